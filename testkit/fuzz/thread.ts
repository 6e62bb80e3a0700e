/**
 * Worker threads that run TypeScript: tsx's hooks do not follow `--import tsx` into a thread, so
 * the thread registers them itself before importing its entry. Works under `node --import tsx`
 * and under Vitest alike.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

// tsx's ESM API, found from here (not from the working directory). Resolving with require() gives
// its CommonJS build, whose register() cannot load from a thread; its ESM build sits next to it.
const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;

/** Starts `entry` (a .ts file URL) in a worker thread. */
export function startTsWorker(entry: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
