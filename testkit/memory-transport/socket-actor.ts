// The peer machine's socket actor over a MemoryNetwork: the TCP actor's contract, without a socket.
import { fromCallback } from 'xstate';
import type { SocketCommand, SocketEvent, SocketInput } from '../../machines/peer/types.js';
import { peerMachine, type PeerMachine } from '../../machines/peer.js';
import { frameCodec } from '../../src/actors/codec.js';
import { reasonForSocketError } from '../../src/actors/socket.js';
import { MemoryEnd } from './end.js';
import type { MemoryNetwork } from './network.js';

/**
 * A drop-in for `createTcpSocket()`: dials `input.host:input.port` on `network` (or adopts the
 * accepted MemoryEnd of an inbound peer), forwards what arrives as `socket.data`, writes what it
 * is told, reports `socket.overflow` once the other side leaves more than `maxSendBufferBytes`
 * unread, and reports the first of error and close exactly once, as the TCP actor does. Errors
 * keep their errno code, so a refused connect is `connection-refused` and a reset `socket-error`.
 * Leaving the session destroys the end, so the other side sees the connection close.
 */
export const createMemorySocket = (network: MemoryNetwork) =>
  fromCallback<SocketCommand, SocketInput>(({ input, sendBack, receive }) => {
    let ended = false;
    const report = (event: SocketEvent): void => {
      if (!ended) sendBack(event);
    };
    const finish = (event: SocketEvent): void => {
      if (ended) return;
      report(event);
      ended = true;
    };

    const announce = (end: MemoryEnd): void =>
      report({ type: 'socket.connected', localAddress: end.localAddress, localPort: end.localPort });
    const watch = (end: MemoryEnd): void => {
      end.on('error', (error) =>
        finish({ type: 'socket.error', reason: reasonForSocketError(error), message: error.message }),
      );
      end.on('close', () => finish({ type: 'socket.closed' }));
    };
    // The codec's reader: called once the machine has each chunk, as the TCP actor does, so that
    // the chunk's messages are handled before `deliver` returns.
    let codecRead: (() => void) | null = null;
    const read = (end: MemoryEnd): void => {
      end.on('data', (chunk) => {
        report({ type: 'socket.data', chunk });
        if (!ended) codecRead?.();
      });
    };
    let end: MemoryEnd;
    if (input.role === 'inbound') {
      if (!(input.accepted instanceof MemoryEnd)) {
        throw new TypeError('an inbound peer on a memory network needs the accepted MemoryEnd as `accepted`');
      }
      const accepted = input.accepted;
      end = accepted;
      watch(accepted);
      // An accepted end is open already: like the TCP actor, say so once the machine listens, and
      // read only after that (until then what arrives waits in the end).
      queueMicrotask(() => {
        announce(accepted);
        read(accepted);
      });
    } else {
      end = network.dial({ host: input.host, port: input.port }, (dialler) => {
        dialler.on('open', () => announce(dialler));
        watch(dialler);
        read(dialler);
      });
    }

    receive((command) => {
      if (command.type === 'reader') {
        codecRead = command.read;
        return;
      }
      if (ended || end.destroyed) return;
      end.write(command.bytes);
      if (end.writableLength > input.maxSendBufferBytes) {
        finish({ type: 'socket.overflow', buffered: end.writableLength });
      }
    });

    return () => {
      ended = true;
      codecRead = null;
      end.destroy();
    };
  });

/** The real peer machine and codec over `network`; build it once per network (provide() is costly). */
export function memoryPeerMachine(network: MemoryNetwork): PeerMachine {
  return peerMachine.provide({ actors: { socket: createMemorySocket(network), codec: frameCodec } });
}
