// The codec alone, without sockets or statecharts: build messages, frame them, feed the bytes to
// a streaming Framer in awkward chunks, and decode what comes out.
//
//   npx tsx examples/codec-only.ts
import { pathToFileURL } from 'node:url';
import {
  decodePayload,
  encodeMessage,
  Framer,
  messageToJson,
  NETWORKS,
  ProtocolError,
} from 'btc-statechart';

export function codecDemo(): { command: string; payload: unknown }[] {
  const { magic } = NETWORKS.regtest;
  const stream = Buffer.concat([
    encodeMessage(magic, { command: 'ping', payload: { nonce: 0x0102030405060708n } }),
    encodeMessage(magic, {
      command: 'addr',
      payload: { addresses: [{ time: 1_700_000_000, services: 1n, host: '127.0.0.2', port: 18444 }] },
    }),
    encodeMessage(magic, { command: 'inv', payload: { items: [{ type: 2, hash: Buffer.alloc(32, 7) }] } }),
  ]);

  const framer = new Framer(magic);
  const decoded: { command: string; payload: unknown }[] = [];
  // Seven bytes at a time: the framer does not care how the bytes arrive.
  for (let at = 0; at < stream.length; at += 7) {
    for (const event of framer.push(stream.subarray(at, at + 7))) {
      if (event.type !== 'message') throw event.error;
      const message = decodePayload(event.command, event.payload);
      decoded.push({ command: message.command, payload: messageToJson(message) });
    }
  }

  try {
    decodePayload('ping', Buffer.alloc(3));
  } catch (error) {
    if (error instanceof ProtocolError)
      decoded.push({ command: 'error', payload: { code: error.code, message: error.message } });
  }
  return decoded;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const line of codecDemo()) console.log(JSON.stringify(line));
}
