// Packs the repository with `npm pack` and installs the tarball into an empty temporary project,
// as an embedder would with `npm install --omit=dev`, but offline: the dependencies come from npm's
// cache, where `npm ci` put them, pinned to the versions of our lock file, so the test never
// touches the network.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The package installed in a temporary project. */
export interface PackedInstall {
  /** The project's folder (its name has a space in it, on purpose). */
  dir: string;
  /** Every file the tarball holds, relative to the package root. */
  files: string[];
  /** The URLs of every module resolved while importing `specifier` in a fresh process. */
  modulesLoadedBy(specifier: string): Promise<string[]>;
  remove(): Promise<void>;
}

interface LockEntry {
  version: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  link?: boolean;
  [key: string]: unknown;
}

export async function installPackedPackage(root: string): Promise<PackedInstall> {
  if (!existsSync(path.join(root, 'dist/src/index.js'))) {
    throw new Error('dist/ is missing: npm test builds it before the suite runs (npm run build)');
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'btc statechart pack '));
  // dist/ is already built by `npm test`; packing without scripts keeps the test quick.
  const { stdout } = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root });
  const [packed] = JSON.parse(stdout) as { filename: string; integrity: string; files: { path: string }[] }[];
  if (!packed) throw new Error('npm pack said nothing');
  const tarball = `file:${packed.filename}`;

  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
    bin: Record<string, string>;
  };
  const lock = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const packages: Record<string, unknown> = {
    '': { name: 'embedder', version: '1.0.0', dependencies: { 'btc-statechart': tarball } },
    'node_modules/btc-statechart': {
      version: pkg.version,
      resolved: tarball,
      integrity: packed.integrity,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
    },
  };
  for (const [where, entry] of Object.entries(lock.packages)) {
    if (!where || entry.dev || entry.link) continue;
    const name = where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);
    // npm's lock leaves out registry addresses; offline installs need them to find the cached tarball.
    const resolved = entry.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
    packages[where] = { ...entry, resolved };
  }
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'embedder', version: '1.0.0', private: true, type: 'module', dependencies: { 'btc-statechart': tarball } }),
  );
  await writeFile(
    path.join(dir, 'package-lock.json'),
    JSON.stringify({ name: 'embedder', version: '1.0.0', lockfileVersion: 3, requires: true, packages }),
  );
  try {
    await run(NPM, ['ci', '--offline', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir });
  } catch (error) {
    throw new Error(
      `installing the packed package offline failed (its dependencies must be in npm's cache, as after npm ci): ${(error as Error).message}`,
    );
  }

  // A resolve hook that writes down every module resolved, for the "loads no more" checks.
  await writeFile(
    path.join(dir, 'record-loads.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.LOADS_FILE, result.url + '\\n');
  return result;
}
`,
  );
  await writeFile(
    path.join(dir, 'register-loads.mjs'),
    `import { register } from 'node:module';\nregister('./record-loads.mjs', import.meta.url);\n`,
  );

  let probes = 0;
  return {
    dir,
    files: packed.files.map((f) => f.path),
    async modulesLoadedBy(specifier) {
      const file = path.join(dir, `loads-${++probes}.txt`);
      await writeFile(file, '');
      await run(process.execPath, ['--import', './register-loads.mjs', '--input-type=module', '-e', `await import(${JSON.stringify(specifier)});`], {
        cwd: dir,
        env: { ...process.env, LOADS_FILE: file },
      });
      return (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
