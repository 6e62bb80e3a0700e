#!/usr/bin/env node
// The installed command: runs the compiled CLI (npm install builds it through `prepare`).
import { main } from '../dist/src/cli/main.js';

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  signals: process,
}).catch((error) => {
  process.stderr.write(`bitcoin-node: unexpected failure: ${error instanceof Error ? error.message : error}\n`);
  return 1;
});
process.exitCode = code;
