// A SOCKS5 proxy on 127.0.0.1 for tests: records every request (methods, credentials, address
// type, host, port), forwards to loopback peers (names such as `x.onion` or `seed.example` mapped to
// local ports), or answers a failure code, garbage, a close, or nothing at all. It never connects
// anywhere but loopback: an unmapped name or a public address gets "host unreachable".
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { formatIPv6 } from '../src/protocol/messages/ip.js';
import { isLoopback } from './scripted-peer/messages.js';

/** How the proxy answers the connections it accepts from now on. */
export type ProxyBehaviour =
  /** Connects to the destination (mapped, or a loopback address as is) and relays both ways. */
  | 'forward'
  /** Reads the greeting, then closes. */
  | 'close-on-greeting'
  /** Reads the CONNECT request, then closes without a reply. */
  | 'close-after-request'
  /** Reads everything, answers nothing. */
  | 'stall'
  /** Answers the greeting with an HTTP error: what a client meets when it takes an HTTP proxy for SOCKS5. */
  | 'garbage'
  /** Answers the CONNECT with "succeeded" and an address type that does not exist. */
  | 'garbage-reply'
  /** Accepts none of the offered methods (0xFF). */
  | 'no-acceptable-method'
  /** Asks for username/password, then rejects them. */
  | 'reject-auth'
  /** Answers the CONNECT with this reply code (RFC 1928, or Tor's 0xF0–0xF7). */
  | { reply: number };

/** One CONNECT request, as the proxy read it. */
export interface ProxyRequest {
  /** 1, 2, … in order of arrival. */
  id: number;
  /** The authentication methods the client offered. */
  methods: number[];
  username: string | null;
  password: string | null;
  addressType: 'ipv4' | 'domain' | 'ipv6';
  host: string;
  port: number;
  /** `host:port` the proxy connected to, or null if it did not forward. */
  forwardedTo: string | null;
}

/** A loopback address the proxy connects to instead of a destination. */
export interface ProxyTarget {
  host: string;
  port: number;
}

/** How the test proxy starts. */
export interface SocksProxyOptions {
  /** Destination names (compared in lower case, without the port) and where they lead. */
  map?: Record<string, ProxyTarget>;
  behaviour?: ProxyBehaviour;
  /** Choose username/password when the client offers it, as Tor does; default true. */
  preferUserPass?: boolean;
}

/** A running test proxy and what it saw. */
export interface TestSocksProxy {
  readonly host: string;
  readonly port: number;
  /** `socks5://127.0.0.1:port`, for --proxy. */
  readonly url: string;
  /** `{ host, port }`, for the API. */
  readonly endpoint: ProxyTarget;
  /** Every CONNECT request read so far. */
  readonly requests: ProxyRequest[];
  /** Client connections accepted so far. */
  readonly accepted: number;
  /** Sockets open now, client and upstream. */
  readonly openSockets: number;
  setBehaviour(behaviour: ProxyBehaviour): void;
  /** Maps one more destination name to a loopback target. */
  map(name: string, target: ProxyTarget): void;
  /** Resolves once `count` requests have been read (bounded in real time). */
  waitForRequests(count: number, timeoutMs?: number): Promise<ProxyRequest[]>;
  /** Resolves once `count` client connections have been accepted (bounded in real time). */
  waitForAccepted(count: number, timeoutMs?: number): Promise<void>;
  /** Stops listening and destroys every socket. Idempotent. */
  close(): Promise<void>;
}

const METHOD_NO_AUTH = 0x00;
const METHOD_USER_PASS = 0x02;
const MAX_BUFFERED = 1024;
const GRANTED = Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
const replyWith = (code: number): Buffer => Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);

type Parsed<T> = { value: T; length: number } | null;

function parseGreeting(b: Buffer): Parsed<number[]> {
  if (b.length < 2 || b.length < 2 + b[1]!) return null;
  return { value: [...b.subarray(2, 2 + b[1]!)], length: 2 + b[1]! };
}

function parseUserPass(b: Buffer): Parsed<{ username: string; password: string }> {
  if (b.length < 2) return null;
  const ulen = b[1]!;
  if (b.length < 3 + ulen) return null;
  const plen = b[2 + ulen]!;
  if (b.length < 3 + ulen + plen) return null;
  return {
    value: { username: b.subarray(2, 2 + ulen).toString(), password: b.subarray(3 + ulen, 3 + ulen + plen).toString() },
    length: 3 + ulen + plen,
  };
}

function parseRequest(b: Buffer): Parsed<Pick<ProxyRequest, 'addressType' | 'host' | 'port'>> | 'bad' {
  if (b.length < 5) return null;
  if (b[0] !== 5 || b[1] !== 1) return 'bad';
  const atyp = b[3];
  const addressLength = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 ? 1 + b[4]! : -1;
  if (addressLength < 0) return 'bad';
  const length = 4 + addressLength + 2;
  if (b.length < length) return null;
  const address = b.subarray(4, 4 + addressLength);
  const port = b.readUInt16BE(4 + addressLength);
  if (atyp === 1) return { value: { addressType: 'ipv4', host: [...address].join('.'), port }, length };
  if (atyp === 4) return { value: { addressType: 'ipv6', host: formatIPv6(Buffer.from(address)), port }, length };
  return { value: { addressType: 'domain', host: address.subarray(1).toString(), port }, length };
}

/** Starts the proxy on 127.0.0.1 and a free port. */
export async function startSocksProxy(options: SocksProxyOptions = {}): Promise<TestSocksProxy> {
  const names = new Map<string, ProxyTarget>(Object.entries(options.map ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const preferUserPass = options.preferUserPass ?? true;
  let behaviour: ProxyBehaviour = options.behaviour ?? 'forward';
  const requests: ProxyRequest[] = [];
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  };

  const targetOf = (request: Pick<ProxyRequest, 'host' | 'port'>): ProxyTarget | null => {
    const mapped = names.get(request.host.toLowerCase());
    if (mapped) return mapped;
    return net.isIP(request.host) && isLoopback(request.host) ? { host: request.host, port: request.port } : null;
  };

  const server = net.createServer((client) => {
    accepted += 1;
    track(client);
    const answer = behaviour;
    let phase: 'greeting' | 'auth' | 'request' | 'done' = 'greeting';
    let buffered = Buffer.alloc(0);
    let methods: number[] = [];
    let credentials: { username: string; password: string } | null = null;

    const forward = (request: ProxyRequest, target: ProxyTarget, rest: Buffer): void => {
      const upstream = net.connect({ host: target.host, port: target.port });
      track(upstream);
      request.forwardedTo = `${target.host}:${target.port}`;
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        client.write(GRANTED);
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      upstream.once('error', (error: NodeJS.ErrnoException) => {
        if (!connected) client.end(replyWith(error.code === 'ECONNREFUSED' ? 0x05 : 0x01));
      });
      upstream.once('close', () => {
        if (connected) client.destroy();
      });
      client.once('close', () => upstream.destroy());
    };

    const step = (): void => {
      if (phase === 'greeting') {
        if (buffered.length >= 1 && buffered[0] !== 5) return void client.destroy();
        const greeting = parseGreeting(buffered);
        if (!greeting) return;
        buffered = buffered.subarray(greeting.length);
        methods = greeting.value;
        if (answer === 'close-on-greeting') return void client.destroy();
        if (answer === 'stall') return void (phase = 'done');
        if (answer === 'garbage') {
          phase = 'done';
          return void client.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
        }
        const userPass = methods.includes(METHOD_USER_PASS) && (preferUserPass || !methods.includes(METHOD_NO_AUTH));
        if (answer === 'no-acceptable-method' || (!userPass && !methods.includes(METHOD_NO_AUTH))) {
          phase = 'done';
          return void client.end(Buffer.from([5, 0xff]));
        }
        if (answer === 'reject-auth' || userPass) {
          client.write(Buffer.from([5, METHOD_USER_PASS]));
          phase = 'auth';
        } else {
          client.write(Buffer.from([5, METHOD_NO_AUTH]));
          phase = 'request';
        }
        return step();
      }
      if (phase === 'auth') {
        const auth = parseUserPass(buffered);
        if (!auth) return;
        buffered = buffered.subarray(auth.length);
        credentials = auth.value;
        if (answer === 'reject-auth') {
          phase = 'done';
          return void client.end(Buffer.from([1, 1]));
        }
        client.write(Buffer.from([1, 0]));
        phase = 'request';
        return step();
      }
      if (phase === 'request') {
        const parsed = parseRequest(buffered);
        if (parsed === null) return;
        if (parsed === 'bad') return void client.end(replyWith(0x07));
        const rest = buffered.subarray(parsed.length);
        buffered = Buffer.alloc(0);
        phase = 'done';
        const request: ProxyRequest = {
          id: requests.length + 1,
          methods,
          username: credentials?.username ?? null,
          password: credentials?.password ?? null,
          ...parsed.value,
          forwardedTo: null,
        };
        requests.push(request);
        client.removeListener('data', onData);
        // Nothing the client sends may be lost before the relay is piped.
        client.pause();
        if (answer === 'close-after-request') return void client.destroy();
        if (answer === 'garbage-reply') return void client.write(Buffer.from([5, 0, 0, 9, 0, 0, 0, 0, 0, 0]));
        if (typeof answer === 'object') return void client.end(replyWith(answer.reply));
        const target = targetOf(request);
        if (!target) return void client.end(replyWith(0x04));
        forward(request, target, rest);
      }
    };
    const onData = (chunk: Buffer): void => {
      if (phase === 'done') return;
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > MAX_BUFFERED) return void client.destroy();
      step();
    };
    client.on('data', onData);
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  const waitUntil = async (done: () => boolean, what: string, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`test proxy: ${what} not seen within ${timeoutMs} ms (${requests.length} requests)`);
      await delay(5);
    }
  };
  let closing: Promise<void> | null = null;

  return {
    host: '127.0.0.1',
    port,
    url: `socks5://127.0.0.1:${port}`,
    endpoint: { host: '127.0.0.1', port },
    requests,
    get accepted() {
      return accepted;
    },
    get openSockets() {
      return sockets.size;
    },
    setBehaviour(next) {
      behaviour = next;
    },
    map(name, target) {
      names.set(name.toLowerCase(), target);
    },
    async waitForRequests(count, timeoutMs = 5000) {
      await waitUntil(() => requests.length >= count, `${count} request(s)`, timeoutMs);
      return requests.slice(0, count);
    },
    waitForAccepted: (count, timeoutMs = 5000) => waitUntil(() => accepted >= count, `${count} connection(s)`, timeoutMs),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
