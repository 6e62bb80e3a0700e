/**
 * Replays one vector file in a worker thread and posts its problems: for vectors of hangs, which
 * would block the thread that runs them (see replayInThread in replay.ts).
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { parseVector, replayVector } from './vectors.js';

const { file } = workerData as { file: string };
const vector = parseVector(JSON.parse(readFileSync(file, 'utf8')), file);
parentPort!.postMessage(replayVector(vector));
