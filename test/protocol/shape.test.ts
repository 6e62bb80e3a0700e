// Outgoing payloads of the wrong shape are refused before encoding, typed, naming the field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePayload, type OutgoingMessage } from '../../src/protocol/codec.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { COMMANDS } from '../../src/protocol/messages/index.js';

const refusal = (message: unknown): { code: string; message: string } | null => {
  try {
    encodePayload(message as OutgoingMessage);
    return null;
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return { code: error.code, message: error.message };
  }
};

describe('payload shapes', () => {
  it.each([
    ['getheaders: payload.locator must be an array, got missing', { command: 'getheaders', payload: { version: 70016, stopHash: Buffer.alloc(32) } }],
    ['ping: payload.nonce must be a bigint', { command: 'ping', payload: { nonce: 1 } }],
    ['inv: payload.items[0].hash must be 32 bytes, got 31 bytes', { command: 'inv', payload: { items: [{ type: 1, hash: Buffer.alloc(31) }] } }],
    ['addr: payload.addresses[0].port must be an integer from 0 to 65535', { command: 'addr', payload: { addresses: [{ time: 0, services: 1n, host: '1.2.3.4', port: 70000 }] } }],
    ['version: payload must be an object, got null', { command: 'version', payload: null }],
    ['sendcmpct: payload.announce must be true or false', { command: 'sendcmpct', payload: { announce: 'yes', version: 2n } }],
    ['headers: payload.headers[0].time must be an integer from 0 to 4294967295, got -1', { command: 'headers', payload: { headers: [{ version: 1, prevBlock: Buffer.alloc(32), merkleRoot: Buffer.alloc(32), time: -1, bits: 0, nonce: 0 }] } }],
    ['nonsense: not a command the codec encodes', { command: 'nonsense', payload: {} }],
    ['tx: payload must be bytes', { command: 'tx', payload: 'not bytes', unknown: true }],
  ])('%s is refused', (text, message) => {
    const r = refusal(message);
    expect(r?.code).toBe('unencodable');
    expect(r?.message.startsWith(text)).toBe(true);
  });

  it('anything at all as a payload either encodes or is refused as unencodable, never another error', () => {
    fc.assert(
      fc.property(fc.constantFrom(...COMMANDS), fc.anything({ withBigInt: true, withTypedArray: true }), (command, payload) => {
        const r = refusal({ command, payload });
        if (r) expect(r.code).toBe('unencodable');
      }),
      { numRuns: 3000 },
    );
  });
});
