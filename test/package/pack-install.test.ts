// The package as an embedder gets it: `npm pack`, installed with `--omit=dev` into an empty project,
// then every TypeScript block of the README and every example type-checked (strict) and run there
// against a scripted peer on loopback, and each entry point checked to load no more than it should.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAIN_PARAMS } from '../../src/chain/params.js';
import { genesisTip, mineChain } from '../../testkit/chain/mine.js';
import { regtestGenesisBlock } from '../../testkit/blocks.js';
import { type ScriptedPeer, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { installPackedPackage, type PackedInstall } from './packed.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Every ```ts block of the README, in order. */
async function readmeBlocks(): Promise<string[]> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** The README's blocks talk to a node on 127.0.0.1:18444; here that is the scripted peer. */
const aimedAt = (source: string, peer: ScriptedPeer): string => source.replaceAll('18444', String(peer.port));

/** Type-checks files of the temporary project as an embedder's strict TypeScript would. */
function typeErrors(files: string[], projectDir: string): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: ['node'],
    // Node's types come from the repository (the installed project has no devDependencies).
    typeRoots: [path.join(ROOT, 'node_modules/@types')],
    baseUrl: projectDir,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

/** Plain JavaScript for node: types stripped, nothing else changed. */
async function transpile(file: string): Promise<string> {
  const output = ts.transpileModule(await readFile(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const js = file.replace(/\.ts$/, '.mjs');
  await writeFile(js, output);
  return js;
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a script with node in the project, bounded in time; resolves with what it printed. */
function runScript(
  script: string,
  cwd: string,
  args: string[] = [],
  interact?: (child: ReturnType<typeof spawn>, stdout: () => string) => Promise<void>,
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(script)} did not end within 15 s; stdout: ${stdout}; stderr: ${stderr}`));
    }, 15_000);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
    interact?.(child, () => stdout).catch((error: unknown) => {
      child.kill('SIGKILL');
      reject(error instanceof Error ? error : new Error(String(error)));
    });
  });
}

let install: PackedInstall;
let peer: ScriptedPeer;

beforeAll(async () => {
  install = await installPackedPackage(ROOT);
  // A regtest node as far as the README's blocks need one: a few headers to serve to getheaders, the
  // genesis block to serve to getdata, and a getdata for the transactions announced to it.
  const { headers } = mineChain(CHAIN_PARAMS.regtest, genesisTip(CHAIN_PARAMS.regtest), 5);
  peer = await startScriptedPeer({ negotiate: true, headers, blocks: [regtestGenesisBlock()], requestTransactions: true });
}, 120_000);

afterAll(async () => {
  await peer?.close();
  await install?.remove();
});

describe('the packed package', () => {
  it('ships the built code, the inspector page and its licence, and no tests or benchmarks', () => {
    expect(install.files).toContain('package.json');
    expect(install.files).toContain('dist/src/index.js');
    expect(install.files).toContain('dist/src/codec.js');
    expect(install.files).toContain('dist/src/inspector/index.js');
    expect(install.files).toContain('src/inspector/page/index.html');
    expect(install.files).toContain('LICENSE');
    expect(install.files.filter((f) => /^(test|bench|testkit|scripts)\//.test(f))).toEqual([]);
  });

  it('ships source maps that carry their sources, since src/ is not in the package', async () => {
    const maps = install.files.filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(10);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(
        await readFile(path.join(install.dir, 'node_modules/btc-statechart', map), 'utf8'),
      ) as { sources: string[]; sourcesContent?: string[] };
      expect(sourcesContent?.length, map).toBe(sources.length);
    }
  });

  it.each([
    ['btc-statechart/codec', /node_modules\/(xstate|ws|elkjs|@statelyai|debug|socks|cli-progress)\//, /^node:(net|http|https|tls|fs|fs\/promises|dns|child_process|dgram|worker_threads)$/],
    ['btc-statechart', /node_modules\/(ws|elkjs|@statelyai|cli-progress)\//, /^node:(http|https)$/],
  ])('%s loads nothing it should not', async (specifier, forbiddenPackages, forbiddenBuiltins) => {
    const loads = await install.modulesLoadedBy(specifier);
    expect(loads.length).toBeGreaterThan(1);
    expect(loads.filter((url) => forbiddenPackages.test(url) || forbiddenBuiltins.test(url))).toEqual([]);
  });

  it('btc-statechart/inspector loads and starts an inspector', async () => {
    const loads = await install.modulesLoadedBy('btc-statechart/inspector');
    expect(loads.some((url) => url.includes('/dist/src/inspector/server.js'))).toBe(true);
  });
});

describe('the README, run as an embedder would', () => {
  let files: string[] = [];

  beforeAll(async () => {
    const blocks = await readmeBlocks();
    await mkdir(path.join(install.dir, 'readme'), { recursive: true });
    files = await Promise.all(
      blocks.map(async (block, i) => {
        const file = path.join(install.dir, 'readme', `block-${String(i + 1).padStart(2, '0')}.ts`);
        await writeFile(file, aimedAt(block, peer));
        return file;
      }),
    );
  });

  it('has TypeScript blocks, and every one type-checks under strict TypeScript against the installed types', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
    expect(typeErrors(files, install.dir)).toEqual([]);
  });

  it('runs every block to a clean end, each printing what it promises', async () => {
    for (const file of files) {
      const { code, stdout, stderr } = await runScript(await transpile(file), install.dir);
      // The inspector block prints its URL on stderr, as the CLI does; nothing else may go there.
      const complaints = stderr.split('\n').filter((line) => line && !line.startsWith('inspector: '));
      expect({ block: path.basename(file), code, complaints }, await readFile(file, 'utf8')).toEqual({
        block: path.basename(file),
        code: 0,
        complaints: [],
      });
      expect(stdout.trim().length + stderr.trim().length, `${path.basename(file)} printed nothing`).toBeGreaterThan(0);
    }
  });
});

describe('the examples, run as an embedder would', () => {
  const examplesDir = path.join(ROOT, 'examples');
  const interactions: Record<string, (file: string) => Promise<void>> = {
    'codec-only.ts': async (file) => {
      const { code, stdout } = await runScript(file, install.dir);
      expect(code).toBe(0);
      expect(stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { command: string }).command)).toEqual([
        'ping',
        'addr',
        'inv',
        'error',
      ]);
    },
    'peer-status-server.ts': async (file) => {
      let body: Record<string, unknown> = {};
      const { code } = await runScript(file, install.dir, [`127.0.0.1:${peer.port}`, 'regtest', '0'], async (child, stdout) => {
        const url = await waitForLine(stdout, /peer status on (\S+)/);
        for (let i = 0; i < 100 && body.state !== 'connected'; i++) {
          body = (await (await fetch(url)).json()) as Record<string, unknown>;
          if (body.state !== 'connected') await new Promise((r) => setTimeout(r, 50));
        }
        child.kill('SIGINT');
      });
      expect(body).toMatchObject({ state: 'connected', userAgent: '/scripted:0.1/' });
      expect(code).toBe(0);
    },
  };

  it('has a way to run every file in examples/', async () => {
    const names = (await readdir(examplesDir)).filter((f) => f.endsWith('.ts'));
    expect(names.filter((n) => !(n in interactions))).toEqual([]);
  });

  it('type-checks every example under strict TypeScript against the installed types', async () => {
    const dir = path.join(install.dir, 'examples');
    await mkdir(dir, { recursive: true });
    const copies: string[] = [];
    for (const name of Object.keys(interactions)) {
      await copyFile(path.join(examplesDir, name), path.join(dir, name));
      copies.push(path.join(dir, name));
    }
    expect(typeErrors(copies, install.dir)).toEqual([]);
  });

  it.each(Object.keys(interactions))('runs %s', async (name) => {
    const copy = path.join(install.dir, 'examples', name);
    if (!existsSync(copy)) await copyFile(path.join(examplesDir, name), copy);
    await interactions[name]!(await transpile(copy));
  });
});

async function waitForLine(read: () => string, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const match = pattern.exec(read());
    if (match) return match[1]!;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no line matching ${pattern}: ${read()}`);
}
