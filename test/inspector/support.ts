// Helpers of the inspector tests: a minimal Server-Sent Events reader over node:http (collects the
// JSON of every `data:` line and lets a test wait for one), plain GETs, a CLI's stderr, ports.
import type { ChildProcess } from 'node:child_process';
import { get, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { clearTimeout, setTimeout } from 'node:timers';

export interface SseReader {
  readonly messages: Record<string, unknown>[];
  readonly response: IncomingMessage;
  waitFor(predicate: (message: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export function readEvents(url: string): Promise<SseReader> {
  return new Promise((resolve, reject) => {
    const request = get(url, (response) => {
      const messages: Record<string, unknown>[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const line of block.split('\n')) {
            if (line.startsWith('data: ')) messages.push(JSON.parse(line.slice(6)) as Record<string, unknown>);
          }
        }
        for (const w of waiters) w();
      });
      const ended = new Promise<void>((done) => {
        response.on('end', done);
        response.on('close', done);
      });
      resolve({
        messages,
        response,
        ended,
        close: () => request.destroy(),
        waitFor: (predicate, timeoutMs = 5000) =>
          new Promise((found, fail) => {
            const check = (): void => {
              const match = messages.find(predicate);
              if (!match) return;
              waiters.delete(check);
              clearTimeout(timer);
              found(match);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no matching event within ${timeoutMs} ms; got ${messages.length}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
      });
    });
    request.on('error', reject);
  });
}

/** What fetchText returns: the status, the content type, every header, and the body. */
export interface Fetched {
  status: number;
  type: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** GET a path and return status, headers and body. */
export function fetchText(url: string, headers: Record<string, string> = {}): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          type: String(response.headers['content-type'] ?? ''),
          headers: response.headers,
          body,
        }),
      );
    }).on('error', reject);
  });
}

/** Resolves with the match once a child process's stderr matches `pattern`. */
export function stderrMatch(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (!match) return;
      child.stderr!.off('data', onData);
      resolve(match);
    };
    child.stderr!.on('data', onData);
    child.once('close', () => reject(new Error(`exited before stderr matched ${pattern}: ${text}`)));
  });
}

/** Whether something accepts TCP on host:port. */
export const accepts = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
