// A hand-driven in-memory link for replays: exact chunking, synchronous delivery, what the machine wrote recorded.
import type { PeerMachine } from '../../machines/peer.js';
import { Framer } from '../../src/protocol/framer.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import type { MemoryEnd } from './end.js';
import { type IncomingConnection, MemoryNetwork } from './network.js';
import { memoryPeerMachine } from './socket-actor.js';

/** The other end of one connection of a MemoryTransport, driven by hand. */
export interface MemoryLink {
  /** Accepts the connection: the machine sees `socket.connected` before this returns. */
  open(): void;
  /** Hands bytes to the machine, as one `socket.data` chunk, before returning; ignored once the link is gone. */
  deliver(chunk: Buffer): void;
  /** Everything the machine wrote, as frames. */
  readonly framer: Framer;
  /** Commands the machine wrote, in order, and the nonces of its pongs. */
  readonly written: string[];
  readonly pongs: bigint[];
  /** The machine let go of its end. */
  readonly closed: boolean;
}

export interface MemoryTransport {
  /** The real machine and codec over the in-memory socket; build it once (provide() is costly). */
  readonly machine: PeerMachine;
  /** The link of the connection dialled last. */
  readonly latest: MemoryLink | undefined;
  /** The network underneath: every connection is dialled to `address`. */
  readonly network: MemoryNetwork;
}

/**
 * A memory network with immediate delivery and one listener at `address` (by default
 * 127.0.0.1:18444, where a regtest machine with no host or port dials) that leaves each
 * connection to the caller: `open()` accepts it, `deliver()` feeds the machine one chunk.
 * Frames the machine writes are checked as they come; a broken one throws.
 */
export function memoryTransport(address = { host: '127.0.0.1', port: NETWORKS.regtest.defaultPort }, network = NETWORKS.regtest): MemoryTransport {
  const memory = new MemoryNetwork({ delivery: 'immediate' });
  let latest: MemoryLink | undefined;
  memory.listen(address, (incoming) => {
    latest = link(incoming, network.magic);
  });
  return {
    machine: memoryPeerMachine(memory),
    network: memory,
    get latest() {
      return latest;
    },
  };
}

function link(incoming: IncomingConnection, magic: Buffer): MemoryLink {
  const written: string[] = [];
  const pongs: bigint[] = [];
  const framer = new Framer(magic);
  let end: MemoryEnd | undefined;
  return {
    open() {
      end = incoming.accept();
      end.on('data', (bytes) => {
        for (const event of framer.push(bytes)) {
          if (event.type !== 'message') throw new Error(`the machine wrote a broken frame: ${JSON.stringify(event)}`);
          written.push(event.command);
          if (event.command === 'pong') pongs.push(event.payload.readBigUInt64LE(0));
        }
      });
    },
    deliver(chunk) {
      end?.write(chunk);
    },
    framer,
    written,
    pongs,
    get closed() {
      return end?.destroyed ?? false;
    },
  };
}
