/** Replaying a vector under a time limit, in a thread that can be stopped if it hangs. */
import { startTsWorker } from './thread.js';

/** The problems of the vector in `file`, or a hang if it has not answered within `timeoutMs`. */
export function replayInThread(file: string, timeoutMs: number): Promise<string[]> {
  const worker = startTsWorker(new URL('./replay-worker.ts', import.meta.url), { workerData: { file } });
  return new Promise<string[]>((resolve) => {
    const timer = setTimeout(() => finish([`hang: no answer within ${timeoutMs} ms`]), timeoutMs);
    let done = false;
    function finish(problems: string[]): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void worker.terminate().then(() => resolve(problems));
    }
    worker.on('message', (problems: string[]) => finish(problems));
    worker.on('error', (error) => finish([`the replay thread died: ${String(error)}`]));
    worker.on('exit', (code) => finish([`the replay thread exited (code ${code}) without an answer`]));
  });
}
