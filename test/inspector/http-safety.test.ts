// No request takes an inspector down or leaves a socket behind: raw TCP against both servers (our
// page and the Stately bridge), first the requests found in review, then fast-check's. Every
// socket must end, every answer must be a status that fits, and the server must still serve.
import { connect } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startInspector } from '../../src/inspector/server.js';
import { startStatelyInspector } from '../../src/inspector/stately.js';
import { openHandles, settle } from '../../testkit/handles.js';
import { testScope } from '../machines/harness.js';

const { cleanups } = testScope();
const SEED = 20_261_129;
/** Short, so that the heads that never end are closed while the test waits. */
const HEADERS_TIMEOUT_MS = 300;
const WAIT_MS = 5000;
/** After an answer, this long without more bytes means the server has said all it will for now. */
const QUIET_MS = 60;
/** This long without any answer: the server is waiting for more (the head's timeout is shorter). */
const SILENT_MS = 1000;

interface Served {
  port: number;
  close(): Promise<void>;
}

const SERVERS: [string, () => Promise<Served>][] = [
  ['the local inspector', () => startInspector({ port: 0, http: { headersTimeoutMs: HEADERS_TIMEOUT_MS } })],
  ['the Stately bridge', () => startStatelyInspector({ port: 0, http: { headersTimeoutMs: HEADERS_TIMEOUT_MS } })],
];

async function serve(start: () => Promise<Served>): Promise<Served> {
  const served = await start();
  cleanups.push(() => served.close());
  return served;
}

interface Exchange {
  /** Everything the server sent. */
  response: string;
  /** The status of the first answer, or null if none came. */
  status: number | null;
  /** Whether the server ended the connection before the wait ran out. */
  closed: boolean;
}

/**
 * Sends `bytes` on a fresh connection and reads what comes back; once the server has gone quiet
 * (or said nothing for a while), half-closes our side, as a client does when it has said all, and
 * waits for the server to end the connection. With `hangUp: false` it never half-closes: the
 * server alone must end it.
 */
function exchange(port: number, bytes: Buffer | string, { hangUp = true } = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let quiet: NodeJS.Timeout | undefined;
    const finish = (closed: boolean): void => {
      clearTimeout(quiet);
      clearTimeout(giveUp);
      socket.destroy();
      const response = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(response);
      resolve({ response, status: status ? Number(status[1]) : null, closed });
    };
    const hangUpSoon = (ms: number): void => {
      if (!hangUp) return;
      clearTimeout(quiet);
      quiet = setTimeout(() => socket.end(), ms);
    };
    const giveUp = setTimeout(() => finish(false), WAIT_MS);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      hangUpSoon(QUIET_MS);
    });
    socket.on('error', () => {});
    socket.on('close', () => finish(true));
    socket.on('connect', () => {
      socket.write(bytes);
      hangUpSoon(SILENT_MS);
    });
  });
}

const request = (port: number, head: string, body = ''): string =>
  head.replaceAll('{host}', `127.0.0.1:${port}`).replaceAll('\n', '\r\n') + '\r\n\r\n' + body;

/** A good request still gets its page: whatever came before did not break the server. */
async function stillServes(port: number): Promise<void> {
  const { status, closed } = await exchange(port, request(port, 'GET / HTTP/1.1\nHost: {host}'));
  expect(status).toBe(200);
  expect(closed).toBe(true);
}

describe.each(SERVERS)('%s under hostile HTTP', (_name, start) => {
  it.each([
    ['a request target of `//` with any Host (an <img> can send it)', 'GET // HTTP/1.1\nHost: evil.example', 421],
    ['a request target of `//`', 'GET // HTTP/1.1\nHost: {host}', 400],
    ['bad percent-encoding in a machine name', 'GET /machines/%ZZ.json HTTP/1.1\nHost: {host}', 400],
    ['a lone percent sign', 'GET /% HTTP/1.1\nHost: {host}', 400],
    ['an absolute-form target', 'GET http://evil.example/ HTTP/1.1\nHost: {host}', 400],
    ['the asterisk form', 'OPTIONS * HTTP/1.1\nHost: {host}', 400],
    ['no Host (HTTP/1.0)', 'GET / HTTP/1.0', 400],
    ['another Host (DNS rebinding)', 'GET / HTTP/1.1\nHost: evil.example:80', 421],
    ['a method HTTP does not know', 'BREW / HTTP/1.1\nHost: {host}', 400],
    ['POST', 'POST / HTTP/1.1\nHost: {host}\nContent-Length: 0', 405],
    ['DELETE', 'DELETE /events HTTP/1.1\nHost: {host}', 405],
    ['a GET with a body', 'GET / HTTP/1.1\nHost: {host}\nContent-Length: 5', 413],
    ['a POST that asks to send its body (Expect: 100-continue)', 'POST / HTTP/1.1\nHost: {host}\nExpect: 100-continue\nContent-Length: 9', 405],
    ['a GET that asks to send a body', 'GET / HTTP/1.1\nHost: {host}\nExpect: 100-continue\nContent-Length: 9', 413],
    ['a GET with a chunked body', 'GET / HTTP/1.1\nHost: {host}\nTransfer-Encoding: chunked', 413],
    ['a request target that is too long', `GET /${'a'.repeat(4000)} HTTP/1.1\nHost: {host}`, 414],
    ['a head that is too large', `GET / HTTP/1.1\nHost: {host}\nX-Pad: ${'a'.repeat(20_000)}`, 431],
    ['a request line of garbage', '\u0000\u0001\u0002 garbage', 400],
    ['a WebSocket upgrade to another path', 'GET /events HTTP/1.1\nHost: {host}\nConnection: Upgrade\nUpgrade: websocket\nSec-WebSocket-Version: 13\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 400],
  ])('answers %s with its status and closes', async (_what, head, expected) => {
    const { port } = await serve(start);
    const { status, closed } = await exchange(port, request(port, head, head.includes('Content-Length: 5') ? 'hello' : ''));
    expect(status).toBe(expected);
    expect(closed).toBe(true);
    await stillServes(port);
  });

  it('closes a connection whose head never ends (slow-loris) and one that says nothing', async () => {
    const { port } = await serve(start);
    const [slow, silent] = await Promise.all([
      exchange(port, request(port, 'GET / HTTP/1.1\nHost: {host}').slice(0, -2), { hangUp: false }),
      exchange(port, '', { hangUp: false }),
    ]);
    expect(slow).toMatchObject({ status: 408, closed: true });
    expect(silent.closed).toBe(true);
    await stillServes(port);
  });

  it('keeps no more connections than its limit and serves again once they are gone', async () => {
    const served = await start();
    cleanups.push(() => served.close());
    const sockets = await Promise.all(
      Array.from({ length: 70 }, () =>
        new Promise<import('node:net').Socket>((resolve) => {
          const socket = connect({ host: '127.0.0.1', port: served.port }, () => resolve(socket));
          socket.on('error', () => {});
        }),
      ),
    );
    const closedByServer = await Promise.all(
      sockets.map((socket) => new Promise<boolean>((resolve) => {
        if (socket.destroyed) return resolve(true);
        const timer = setTimeout(() => resolve(false), 200);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      })),
    );
    // The ones over the limit are closed at once; the rest only when their head times out.
    expect(closedByServer.filter(Boolean).length).toBeGreaterThanOrEqual(70 - 64);
    for (const socket of sockets) socket.destroy();
    await settle();
    await stillServes(served.port);
  });
});

// ---- fuzzing ---------------------------------------------------------------------------------

const token = fc.stringMatching(/^[A-Za-z!#$%&'*+.^_`|~-]{1,12}$/);
// Mostly requests a browser could send, so that the fuzzing reaches the routing behind the parser.
const method = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('GET', 'HEAD') },
  { weight: 2, arbitrary: fc.constantFrom('POST', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE', 'PATCH') },
  { weight: 1, arbitrary: token },
);
const target = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('/', '//', '///x', '/events', '/actors.json', '/machines/peer.json', '/machines/%ZZ.json', '/%', '/%00', '/..%2f..%2fetc', '/index.html?a=%zz#x', '*', 'http://evil/', '/\u00e9', '/vendor/elk.bundled.js') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((s) => `/${s}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 12_000 }).map((n) => `/${'x'.repeat(n)}`) },
);
const version = fc.oneof(
  { weight: 6, arbitrary: fc.constant('HTTP/1.1') },
  { weight: 2, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 extra', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);
const host = fc.oneof(
  { weight: 4, arbitrary: fc.constant('{host}') },
  { weight: 2, arbitrary: fc.constantFrom('localhost:{port}', '[::1]:{port}', '127.0.0.1', 'evil.example', 'evil.example:{port}', '', '127.0.0.1:{port}@evil', '[::ffff:127.0.0.1]:{port}') },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);
const header = fc.oneof(
  fc.constantFrom(
    'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Origin: http://evil.example',
    'Connection: keep-alive',
    'Connection: close',
    'Content-Length: 3',
    'Content-Length: 99999999',
    'Content-Length: -1',
    'Transfer-Encoding: chunked',
    'Expect: 100-continue',
    'Upgrade: h2c',
    `X-Pad: ${'p'.repeat(9000)}`,
  ),
  fc.tuple(token, fc.string({ maxLength: 40 })).map(([name, value]) => `${name}: ${value}`),
);
const httpRequest = fc
  .record({
    method,
    target,
    version,
    host: fc.option(host, { nil: undefined, freq: 8 }),
    headers: fc.array(header, { maxLength: 4 }),
    body: fc.string({ unit: 'binary', maxLength: 64 }),
    newline: fc.constantFrom('\r\n', '\n'),
  })
  .map(({ method: m, target: t, version: v, host: h, headers, body, newline }) => {
    const lines = [`${m} ${t} ${v}`.trimEnd(), ...(h === undefined ? [] : [`Host: ${h}`]), ...headers];
    return `${lines.join(newline)}${newline}${newline}${body}`;
  });
const garbage = fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes));
const anything = fc.oneof({ weight: 4, arbitrary: httpRequest }, { weight: 1, arbitrary: garbage });

/**
 * What a fuzzed request may get: an answer that fits, a WebSocket (the bridge), 417 for an `Expect`
 * node:http does not know, or (CONNECT, nothing sent) a closed socket.
 */
const FITTING = new Set([101, 200, 400, 404, 405, 408, 413, 414, 417, 421, 431]);

describe.each(SERVERS)('%s, fuzzed with raw requests', (_name, start) => {
  it('stays up, answers with a fitting status, and ends every socket', async () => {
    const { port } = await serve(start);
    await settle();
    const baseline = openHandles();
    await fc.assert(
      fc.asyncProperty(anything, async (input) => {
        const bytes = typeof input === 'string' ? Buffer.from(input.replaceAll('{host}', `127.0.0.1:${port}`).replaceAll('{port}', String(port)), 'latin1') : input;
        const { status, closed, response } = await exchange(port, bytes);
        expect(closed, 'the server ended the connection').toBe(true);
        // Every request gets an answer; only CONNECT (which node:http closes without one) and
        // nothing at all go unanswered.
        if (bytes.length > 0 && !bytes.toString('latin1').startsWith('CONNECT ')) expect(status, response.slice(0, 80)).not.toBeNull();
        if (status !== null) expect(FITTING, response.slice(0, 80)).toContain(status);
      }),
      { seed: SEED, numRuns: 300 },
    );
    await stillServes(port);
    await settle();
    // Every connection the fuzzing made is gone on the server's side too.
    for (const [kind, count] of Object.entries(openHandles())) {
      if (kind === 'TCPSocketWrap') expect(count, kind).toBeLessThanOrEqual(baseline[kind] ?? 0);
    }
  }, 120_000);
});
