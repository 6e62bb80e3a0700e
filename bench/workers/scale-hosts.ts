/**
 * Lean benchmark hosts: one process listening on many loopback addresses (127.<second>.x.y, one
 * port), each playing a minimal well-behaved Bitcoin node with our codec and nothing else — no
 * logs, no recorded messages, no timers — so the server side stays cheap next to what is measured.
 *
 * On every accepted connection: our Framer; on `version` it answers a pre-encoded `version` +
 * `verack`; on `ping` a `pong` with the same nonce; on `getaddr` this host's pre-encoded `addr`
 * (its neighbours in the chosen topology, or none). Everything else is read and ignored.
 * Started by bench/scale.ts and bench/crawl.ts through scale-child.ts; requests in ScaleHostsRequest.
 */
import net from 'node:net';
import { encodeMessage, frame } from '../../src/protocol/codec.js';
import { Framer } from '../../src/protocol/framer.js';
import { PROTOCOL_VERSION, Services } from '../../src/protocol/limits.js';
import type { AddrEntry } from '../../src/protocol/messages/addr.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { Prng } from '../lib/stats.js';
import { fdLimits, hostAddress, openFds, serve } from './scale-ipc.js';
import type { HostsListenResult, HostsStats, Topology } from './scale-protocol.js';

const MAGIC = NETWORKS.regtest.magic;
const SERVICES = Services.NETWORK | Services.WITNESS;
const USER_AGENT = '/bench-host:0.1/';

const VERSION_FRAME = encodeMessage(MAGIC, {
  command: 'version',
  payload: {
    version: PROTOCOL_VERSION,
    services: SERVICES,
    timestamp: BigInt(Math.floor(Date.now() / 1000)),
    receiver: { services: 0n, host: '::', port: 0 },
    sender: { services: SERVICES, host: '::', port: 0 },
    nonce: new Prng(process.pid).u64(),
    userAgent: USER_AGENT,
    startHeight: 0,
    relay: true,
  },
});
const VERACK_FRAME = encodeMessage(MAGIC, { command: 'verack', payload: {} });
const HANDSHAKE = Buffer.concat([VERSION_FRAME, VERACK_FRAME]);

interface Host {
  readonly index: number;
  readonly address: string;
  readonly server: net.Server;
  addr: Buffer | null;
}

let second = 40;
let port = 0;
let topology: Topology = { kind: 'none' };
const hosts: Host[] = [];
const sockets = new Set<net.Socket>();
const stats = { accepted: 0, versions: 0, pings: 0, getaddrs: 0, fatal: 0 };

/** The hosts host `index` names in its `getaddr` answer. */
function neighbours(index: number): number[] {
  if (topology.kind === 'none') return [];
  const { size, k, seed } = topology;
  // Ring: the next host, so one seed reaches everybody. Chords: k − 1 others at random (fixed
  // seed per host), so the crawl's frontier grows geometrically instead of one host at a time.
  const out = [(index + 1) % size];
  if (topology.kind === 'ring') {
    for (let j = 2; j <= k && j < size; j++) out.push((index + j) % size);
    return out;
  }
  const prng = new Prng(seed ^ Math.imul(index + 1, 0x9e3779b1));
  while (out.length < Math.min(k, size - 1)) {
    const other = prng.int(size);
    if (other !== index && !out.includes(other)) out.push(other);
  }
  return out;
}

function addrFrame(host: Host): Buffer {
  if (!host.addr) {
    const time = Math.floor(Date.now() / 1000);
    const addresses: AddrEntry[] = neighbours(host.index).map((i) => ({
      time,
      services: SERVICES,
      host: hostAddress(second, i),
      port,
    }));
    host.addr = encodeMessage(MAGIC, { command: 'addr', payload: { addresses } });
  }
  return host.addr;
}

function accept(host: Host, socket: net.Socket): void {
  stats.accepted++;
  sockets.add(socket);
  socket.setNoDelay(true);
  const framer = new Framer(MAGIC);
  socket.on('data', (chunk: Buffer) => {
    for (const event of framer.push(chunk)) {
      if (event.type === 'fatal') {
        stats.fatal++;
        socket.destroy();
        return;
      }
      if (event.type !== 'message') continue;
      switch (event.command) {
        case 'version':
          stats.versions++;
          socket.write(HANDSHAKE);
          break;
        case 'ping':
          stats.pings++;
          socket.write(frame(MAGIC, 'pong', event.payload));
          break;
        case 'getaddr':
          stats.getaddrs++;
          socket.write(addrFrame(host));
          break;
      }
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => sockets.delete(socket));
}

function listenOne(index: number): Promise<Host> {
  const address = hostAddress(second, index);
  return new Promise<Host>((resolve, reject) => {
    const server = net.createServer();
    const host: Host = { index, address, server, addr: null };
    server.on('connection', (socket) => accept(host, socket));
    server.once('error', (error) => {
      server.close();
      reject(error);
    });
    server.listen({ host: address, port, backlog: 511 }, () => resolve(host));
  });
}

async function closeAll(): Promise<void> {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(hosts.map((h) => new Promise<void>((resolve) => h.server.close(() => resolve()))));
  hosts.length = 0;
}

serve(
  {
    /** Listens on hosts [first, first + count) of 127.<second>.0.0/16, all on `port`. */
    async listen(req): Promise<HostsListenResult> {
      second = req.second as number;
      port = req.port as number;
      topology = req.topology as Topology;
      const first = req.first as number;
      const count = req.count as number;
      const started = performance.now();
      const results = await Promise.allSettled(Array.from({ length: count }, (_, i) => listenOne(first + i)));
      for (const r of results) if (r.status === 'fulfilled') hosts.push(r.value);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        await closeAll();
        const error = failed.reason as NodeJS.ErrnoException;
        return { ok: false, code: error.code ?? 'ERROR', message: error.message };
      }
      return { ok: true, count, ms: performance.now() - started, limits: fdLimits(), pid: process.pid };
    },
    stats(): HostsStats {
      const cpu = process.cpuUsage();
      return {
        ...stats,
        open: sockets.size,
        listening: hosts.length,
        cpuMs: (cpu.user + cpu.system) / 1e3,
        fds: openFds(),
        rss: process.memoryUsage.rss(),
      };
    },
    async close(): Promise<boolean> {
      await closeAll();
      return true;
    },
  },
  closeAll,
);
