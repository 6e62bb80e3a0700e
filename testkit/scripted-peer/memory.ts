// Scripted peers on a memory network: the same behaviours as over TCP, listening through testkit/memory-transport.
import { setImmediate } from 'node:timers';
import type { MemoryEnd } from '../memory-transport/end.js';
import type { MemoryNetwork } from '../memory-transport/network.js';
import { Peer } from './server.js';
import type { PeerListener, PeerTransport, ScriptedPeer, ScriptedPeerOptions } from './types.js';

/** Listens on `network`, accepting every connection attempt at once. */
export function memoryPeerTransport(network: MemoryNetwork): PeerTransport<MemoryEnd> {
  return {
    async listen(host, port, accept): Promise<PeerListener> {
      const live = new Set<MemoryEnd>();
      const drained: (() => void)[] = [];
      const check = (): void => {
        if (live.size === 0) for (const resolve of drained.splice(0)) resolve();
      };
      const listener = network.listen({ host, port }, (incoming) => {
        const end = incoming.accept();
        live.add(end);
        end.once('close', () => {
          live.delete(end);
          check();
        });
        accept(end);
      });
      let closing: Promise<void> | undefined;
      return {
        port: listener.port,
        close: () =>
          (closing ??= new Promise<void>((resolve) => {
            listener.close();
            drained.push(resolve);
            check();
          })),
      };
    },
    // One turn, so that the other ends of what was closed have seen it.
    released: () => new Promise<void>((resolve) => setImmediate(resolve)),
  };
}

/** Starts a scripted peer listening on `network` (port 0: a free one); resolves once it accepts connections. */
export async function startMemoryPeer(
  network: MemoryNetwork,
  options: ScriptedPeerOptions<MemoryEnd> = {},
): Promise<ScriptedPeer<MemoryEnd>> {
  const peer = new Peer(memoryPeerTransport(network), options);
  await peer.listen();
  return peer;
}
