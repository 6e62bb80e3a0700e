/**
 * A small reference serializer for the benchmark mixes, independent of src/protocol/writer.ts
 * (whose growth path is broken, see BENCHMARKS.md): payloads are written into an exactly sized
 * buffer, then framed with src's `frame()` (header + checksum). Bench use only.
 */
import type { OutgoingMessage } from '../../src/protocol/codec.js';
import { parse16 } from '../../src/protocol/messages/ip.js';

function compactSizeBytes(n: number): Buffer {
  if (n < 0xfd) return Buffer.from([n]);
  if (n <= 0xffff) {
    const b = Buffer.alloc(3);
    b[0] = 0xfd;
    b.writeUInt16LE(n, 1);
    return b;
  }
  const b = Buffer.alloc(5);
  b[0] = 0xfe;
  b.writeUInt32LE(n, 1);
  return b;
}

export function serializePayload(message: OutgoingMessage): Buffer {
  if ('unknown' in message) return Buffer.from(message.payload);
  switch (message.command) {
    case 'ping':
    case 'pong': {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(message.payload.nonce);
      return b;
    }
    case 'inv':
    case 'getdata':
    case 'notfound': {
      const items = message.payload.items;
      const body = Buffer.alloc(items.length * 36);
      items.forEach((item, i) => {
        body.writeUInt32LE(item.type, i * 36);
        body.set(item.hash, i * 36 + 4);
      });
      return Buffer.concat([compactSizeBytes(items.length), body]);
    }
    case 'addr': {
      const list = message.payload.addresses;
      const body = Buffer.alloc(list.length * 30);
      list.forEach((a, i) => {
        const at = i * 30;
        body.writeUInt32LE(a.time, at);
        body.writeBigUInt64LE(a.services, at + 4);
        body.set(parse16(a.host), at + 12);
        body.writeUInt16BE(a.port, at + 28);
      });
      return Buffer.concat([compactSizeBytes(list.length), body]);
    }
    case 'headers': {
      const list = message.payload.headers;
      const body = Buffer.alloc(list.length * 81);
      list.forEach((h, i) => {
        const at = i * 81;
        body.writeInt32LE(h.version, at);
        body.set(h.prevBlock, at + 4);
        body.set(h.merkleRoot, at + 36);
        body.writeUInt32LE(h.time, at + 68);
        body.writeUInt32LE(h.bits, at + 72);
        body.writeUInt32LE(h.nonce, at + 76);
        body[at + 80] = 0; // transaction count
      });
      return Buffer.concat([compactSizeBytes(list.length), body]);
    }
    default:
      throw new Error(`bench serializer: ${message.command} not supported`);
  }
}
