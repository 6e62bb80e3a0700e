#!/usr/bin/env node
// The installed command: runs the compiled CLI (npm install builds it through `prepare`).
import { EventEmitter } from 'node:events';
import { main } from '../dist/src/cli/main.js';

// Commands stop on these; a reader that closed our stdout (`| head`) is one more way to say stop,
// and must not end the process with an unhandled EPIPE.
// Signals reach the process only while a command listens for them, so Ctrl-C still ends a command
// that does not (decode reading stdin).
const signals = new EventEmitter();
const relays = new Map();
signals.on('newListener', (signal) => {
  if ((signal !== 'SIGINT' && signal !== 'SIGTERM') || relays.has(signal)) return;
  const relay = () => signals.emit(signal);
  relays.set(signal, relay);
  process.on(signal, relay);
});
signals.on('removeListener', (signal) => {
  if (!relays.has(signal) || signals.listenerCount(signal) > 0) return;
  process.off(signal, relays.get(signal));
  relays.delete(signal);
});
let stdoutClosed = false;
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  if (stdoutClosed) return;
  stdoutClosed = true;
  signals.emit('SIGPIPE');
});

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  signals,
}).catch((error) => {
  process.stderr.write(`bitcoin-node: unexpected failure: ${error instanceof Error ? error.message : error}\n`);
  return 1;
});
process.exitCode = code;
