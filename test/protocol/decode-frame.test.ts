/**
 * decodeFrame (exactly one frame, network recognised by magic) and the frame encoder's refusals.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeMessage, encodePayload, frame } from '../../src/protocol/codec.js';
import { FATAL_FRAMING_CODES, isProtocolError, ProtocolError } from '../../src/protocol/errors.js';
import { HEADER_SIZE, isValidCommand, parseHeader } from '../../src/protocol/header.js';
import { MAX_PROTOCOL_MESSAGE_LENGTH } from '../../src/protocol/limits.js';
import { NETWORKS, type NetworkName, networkByMagic, networkByName } from '../../src/protocol/networks.js';
import { arbKnownMessage } from '../../testkit/arbitraries.js';
import { catchProtocolError, expectProtocolError, handFrame, hex } from './support.js';

// Message-start bytes from Core's chainparams.cpp, as they appear on the wire.
const MAGICS: Record<NetworkName, string> = {
  mainnet: 'f9beb4d9',
  testnet3: '0b110907',
  testnet4: '1c163f28',
  signet: '0a03cf40',
  regtest: 'fabfb5da',
};
const PORTS: Record<NetworkName, number> = {
  mainnet: 8333,
  testnet3: 18333,
  testnet4: 48333,
  signet: 38333,
  regtest: 18444,
};

const ping = handFrame('f9beb4d9', 'ping', hex('0102030405060708'));

describe('network recognition', () => {
  it.each(Object.keys(MAGICS) as NetworkName[])('%s by its magic', (name) => {
    const bytes = handFrame(MAGICS[name], 'verack', Buffer.alloc(0));
    const { network, message } = decodeFrame(bytes);
    expect(network?.name).toBe(name);
    expect(network).toBe(NETWORKS[name]);
    expect(message).toEqual({ command: 'verack', payload: {} });
    expect(NETWORKS[name].magic.toString('hex')).toBe(MAGICS[name]);
    expect(NETWORKS[name].defaultPort).toBe(PORTS[name]);
    expect(networkByMagic(hex(MAGICS[name]))).toBe(NETWORKS[name]);
    expect(networkByName(name)).toBe(NETWORKS[name]);
  });

  it('"testnet" means testnet3; unknown names and magics give undefined', () => {
    expect(networkByName('testnet')).toBe(NETWORKS.testnet3);
    expect(networkByName('toString')).toBeUndefined();
    expect(networkByName('bitcoin')).toBeUndefined();
    expect(networkByMagic(hex('deadbeef'))).toBeUndefined();
  });

  it('unknown magic → bad-magic; an expected magic that differs → bad-magic', () => {
    expectProtocolError(() => decodeFrame(handFrame('deadbeef', 'verack', Buffer.alloc(0))), 'bad-magic');
    expectProtocolError(() => decodeFrame(ping, NETWORKS.regtest.magic), 'bad-magic');
    expect(decodeFrame(ping, NETWORKS.mainnet.magic).network).toBe(NETWORKS.mainnet);
    // With an explicit magic even an unlisted network decodes (custom networks).
    const custom = handFrame('01020304', 'ping', hex('0102030405060708'));
    expect(decodeFrame(custom, hex('01020304'))).toEqual({
      network: undefined,
      message: { command: 'ping', payload: { nonce: 0x0807060504030201n } },
    });
  });
});

describe('frame errors', () => {
  it('trailing bytes after the frame → trailing-bytes', () => {
    const error = expectProtocolError(() => decodeFrame(Buffer.concat([ping, hex('00')])), 'trailing-bytes');
    expect(error.command).toBe('ping');
    expectProtocolError(() => decodeFrame(Buffer.concat([ping, ping])), 'trailing-bytes');
  });

  it('every strict prefix of a frame → truncated', () => {
    for (let cut = 0; cut < ping.length; cut++) {
      expectProtocolError(() => decodeFrame(ping.subarray(0, cut)), 'truncated');
    }
  });

  it('bad checksum → bad-checksum; invalid command → bad-command; length over the limit → oversized-payload', () => {
    expectProtocolError(() => decodeFrame(handFrame('f9beb4d9', 'ping', hex('0102030405060708'), hex('00000000'))), 'bad-checksum');
    for (const command of [Buffer.alloc(12), Buffer.from('ver\x01ack', 'latin1'), Buffer.from('ping\x00\x00x', 'latin1')]) {
      expectProtocolError(() => decodeFrame(handFrame('f9beb4d9', command, Buffer.alloc(0))), 'bad-command');
    }
    const big = handFrame('f9beb4d9', 'block', Buffer.alloc(0));
    big.writeUInt32LE(MAX_PROTOCOL_MESSAGE_LENGTH + 1, 16);
    expectProtocolError(() => decodeFrame(big), 'oversized-payload');
  });

  it('payload errors carry through with the command', () => {
    const error = expectProtocolError(() => decodeFrame(handFrame('f9beb4d9', 'ping', hex('0102'))), 'truncated');
    expect(error.command).toBe('ping');
    expect(error.name).toBe('ProtocolError');
    expect(isProtocolError(error)).toBe(true);
    expect(isProtocolError(new Error('x'))).toBe(false);
  });

  it('fatal codes are exactly bad-magic, oversized-payload and the four of the v2 transport', () => {
    expect([...FATAL_FRAMING_CODES].sort()).toEqual([
      'bad-magic',
      'oversized-payload',
      'v2-bad-key',
      'v2-decrypt-failed',
      'v2-no-terminator',
      'v2-peer-speaks-v1',
    ]);
  });

  it('random bytes and mutated frames only ever raise ProtocolError', () => {
    fc.assert(
      fc.property(
        arbKnownMessage,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        (message, flips, cut) => {
          const bytes = Buffer.from(encodeMessage(NETWORKS.signet.magic, message));
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          for (const input of [bytes, bytes.subarray(0, cut % (bytes.length + 1))]) {
            try {
              decodeFrame(input);
            } catch (error) {
              expect(error).toBeInstanceOf(ProtocolError);
            }
          }
        },
      ),
      { numRuns: 300, seed: 8 },
    );
  });
});

describe('header encoding and parsing', () => {
  it('the header layout: magic, NUL-padded command, LE length, checksum', () => {
    const bytes = encodeMessage(NETWORKS.mainnet.magic, { command: 'ping', payload: { nonce: 1n } });
    expect(bytes.subarray(0, HEADER_SIZE).toString('hex')).toBe(
      `f9beb4d9 70696e670000000000000000 08000000 ${handFrame('f9beb4d9', 'ping', hex('0100000000000000')).subarray(20, 24).toString('hex')}`.replace(
        / /g,
        '',
      ),
    );
    const h = parseHeader(bytes);
    expect(h).toMatchObject({ command: 'ping', length: 8, commandValid: true });
    expect(h.magic.toString('hex')).toBe('f9beb4d9');
  });

  it.each(['', 'abcdefghijklm', 'ver\x00ack', 'caf\u00e9', 'tab\t'])('command %j is unencodable', (command) => {
    expect(isValidCommand(command)).toBe(false);
    expectProtocolError(() => frame(NETWORKS.mainnet.magic, command, Buffer.alloc(0)), 'unencodable');
    expectProtocolError(
      () => encodeMessage(NETWORKS.mainnet.magic, { command, payload: Buffer.alloc(0), unknown: true }),
      'unencodable',
    );
  });

  it('payloads over 4,000,000 bytes are unencodable; exactly 4,000,000 frames', () => {
    expectProtocolError(
      () => frame(NETWORKS.mainnet.magic, 'block', Buffer.alloc(MAX_PROTOCOL_MESSAGE_LENGTH + 1)),
      'unencodable',
    );
    const max = frame(NETWORKS.mainnet.magic, 'cmpctblock', Buffer.alloc(MAX_PROTOCOL_MESSAGE_LENGTH));
    expect(max.length).toBe(HEADER_SIZE + MAX_PROTOCOL_MESSAGE_LENGTH);
    expect(decodeFrame(max).message).toMatchObject({ command: 'cmpctblock', unknown: true });
  });

  it('values the wire cannot carry are unencodable, not a RangeError or TypeError', () => {
    const bad: unknown[] = [
      { command: 'addr', payload: { addresses: [{ time: 0, services: 0n, host: '1.2.3.4', port: 70000 }] } },
      { command: 'addr', payload: { addresses: [{ time: 0, services: 0n, host: 'example.com', port: 1 }] } },
      { command: 'inv', payload: { items: [{ type: 1, hash: Buffer.alloc(31) }] } },
      { command: 'getheaders', payload: { version: 1, locator: [], stopHash: Buffer.alloc(33) } },
      { command: 'ping', payload: { nonce: 1 } },
    ];
    for (const message of bad) {
      const error = catchProtocolError(() => encodePayload(message as Parameters<typeof encodePayload>[0]));
      expect(error.code).toBe('unencodable');
    }
  });
});
