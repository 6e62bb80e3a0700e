/**
 * Fixed vectors: every frame Bitcoin Core 29.0 and bcoin 1.0.2 sent us in one regtest session each
 * (test/vectors/sessions/*.json). Each is decoded, its key fields checked against what we know about the
 * peer, and encoded again byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeMessage, type OutgoingMessage } from '../../src/protocol/codec.js';
import { Framer } from '../../src/protocol/framer.js';
import { hashToHex } from '../../src/protocol/hash.js';
import { blockHash, type HeadersPayload } from '../../src/protocol/messages/headers.js';
import { isKnownMessage, type Message, type Payloads } from '../../src/protocol/messages/index.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { dsha256, hex, loadVectors, type VectorFile } from './support.js';

// Loaded at collection time: a missing vectors directory fails the whole file instead of skipping it.
const VECTORS = loadVectors();
const CORE = 'core29-regtest-session.json';
const BCOIN = 'bcoin-1.0.2-regtest-session.json';
const REGTEST = NETWORKS.regtest;

const decodeAll = (file: VectorFile): Message[] =>
  file.messages.map((m) => {
    const { network, message } = decodeFrame(hex(m.frameHex));
    expect(network?.name).toBe('regtest');
    return message;
  });

function payloadOf<K extends keyof Payloads>(messages: Message[], command: K, nth = 0): Payloads[K] {
  const found = messages.filter((m) => m.command === command);
  const m = found[nth];
  if (!m || !isKnownMessage(m)) throw new Error(`no decoded ${command} #${nth} in the vectors`);
  return m.payload as Payloads[K];
}

/** Regtest's proof-of-work target for bits 0x207fffff, from the compact encoding. */
const targetFromBits = (bits: number): bigint => BigInt(bits & 0x7f_ffff) << (8n * BigInt((bits >>> 24) - 3));

function expectLinkedRegtestChain(payload: HeadersPayload): void {
  const headers = payload.headers;
  expect(headers.length).toBe(3);
  expect(hashToHex(headers[0]!.prevBlock)).toBe(REGTEST.genesisHash);
  for (let i = 1; i < headers.length; i++) {
    expect(headers[i]!.prevBlock.equals(blockHash(headers[i - 1]!))).toBe(true);
  }
  for (const h of headers) {
    expect(h.bits).toBe(0x207f_ffff);
    // BIP9 version bits top: 0x20000000.
    expect(h.version).toBe(0x2000_0000);
    // Each block hash meets its target: a real mined header, not a random one.
    const hashValue = BigInt(`0x${hashToHex(blockHash(h))}`);
    expect(hashValue <= targetFromBits(h.bits)).toBe(true);
  }
}

describe('captured vectors are present', () => {
  it('a missing vectors directory is an error, not a skip', () => {
    expect(() => loadVectors(new URL('./no-such-vectors-dir/', import.meta.url))).toThrow(/not found/);
  });

  it('has both sessions, each with frames', () => {
    expect([...VECTORS.keys()]).toEqual(expect.arrayContaining([CORE, BCOIN]));
    for (const file of VECTORS.values()) expect(file.messages.length).toBeGreaterThan(0);
  });
});

describe.each([...VECTORS.entries()])('%s', (_name, file) => {
  it.each(file.messages.map((m, i) => [i, m.command, m.frameHex] as const))(
    'frame %i (%s) decodes, and encodes back to the same bytes',
    (_i, command, frameHex) => {
      const bytes = hex(frameHex);
      const { network, message } = decodeFrame(bytes);
      expect(network).toBe(REGTEST);
      expect(message.command).toBe(command);
      expect(isKnownMessage(message)).toBe(true);
      // The checksum in the capture is the real one (checked independently of the codec).
      expect(bytes.subarray(20, 24).equals(dsha256(bytes.subarray(24)).subarray(0, 4))).toBe(true);
      const again = encodeMessage(REGTEST.magic, message as OutgoingMessage);
      expect(again.toString('hex')).toBe(bytes.toString('hex'));
    },
  );

  it('streams through the Framer the same way in one chunk and byte by byte', () => {
    const stream = Buffer.concat(file.messages.map((m) => hex(m.frameHex)));
    const whole = new Framer(REGTEST.magic).push(stream);
    const framer = new Framer(REGTEST.magic);
    const bytewise = [];
    for (let i = 0; i < stream.length; i++) bytewise.push(...framer.push(stream.subarray(i, i + 1)));
    expect(whole.map((e) => e.type)).toEqual(file.messages.map(() => 'message'));
    expect(whole.map((e) => (e.type === 'message' ? e.command : ''))).toEqual(
      file.messages.map((m) => m.command),
    );
    expect(bytewise).toEqual(whole);
    expect(framer.buffered).toBe(0);
  });
});

describe('Bitcoin Core 29.0', () => {
  const file = VECTORS.get(CORE)!;
  const messages = decodeAll(file);

  it('sends the messages Core sends after our version, in order', () => {
    expect(messages.map((m) => m.command)).toEqual([
      'version',
      'wtxidrelay',
      'sendaddrv2',
      'verack',
      'sendcmpct',
      'ping',
      'feefilter',
      'addrv2',
      'headers',
      'pong',
      'ping',
    ]);
  });

  it('version: 70016, services 0xc09, /Satoshi:29.0.0/, height 3, relay', () => {
    const v = payloadOf(messages, 'version');
    expect(v.version).toBe(70016);
    expect(v.services).toBe(0xc09n);
    expect(v.services).toBe(3081n);
    expect(v.userAgent).toBe('/Satoshi:29.0.0/');
    expect(v.startHeight).toBe(3);
    expect(v.relay).toBe(true);
    // Core leaves addrFrom empty (::, port 0) but with its services; addrMe is what it saw of us.
    expect(v.sender).toEqual({ services: 3081n, host: '::', port: 0 });
    expect(v.receiver.services).toBe(0n);
    expect(v.nonce).not.toBe(0n);
    expect(v.timestamp > 1_700_000_000n).toBe(true);
  });

  it('empty negotiation messages decode to empty payloads', () => {
    for (const command of ['wtxidrelay', 'sendaddrv2', 'verack'] as const) {
      expect(payloadOf(messages, command)).toEqual({});
    }
  });

  it('sendcmpct: announce false, version 2', () => {
    expect(payloadOf(messages, 'sendcmpct')).toEqual({ announce: false, version: 2n });
  });

  it('ping nonces are the last 8 payload bytes, little-endian; pong echoes our 0102030405060708', () => {
    const pingFrames = file.messages.filter((m) => m.command === 'ping').map((m) => hex(m.frameHex));
    expect(pingFrames.length).toBe(2);
    pingFrames.forEach((frame, i) => {
      expect(payloadOf(messages, 'ping', i).nonce).toBe(frame.readBigUInt64LE(24));
    });
    expect(payloadOf(messages, 'ping', 0).nonce).not.toBe(payloadOf(messages, 'ping', 1).nonce);
    expect(payloadOf(messages, 'pong').nonce).toBe(0x0807_0605_0403_0201n);
  });

  it('feefilter: 1000 sat/kvB, regtest default minimum relay fee', () => {
    expect(payloadOf(messages, 'feefilter')).toEqual({ feeRate: 1000n });
  });

  it('addrv2: two IPv4 entries with services 9 on port 8333', () => {
    const { addresses } = payloadOf(messages, 'addrv2');
    const version = payloadOf(messages, 'version');
    expect(addresses.map((a) => [a.network, a.networkId, a.host, a.port, a.services])).toEqual([
      ['ipv4', 1, '93.184.11.1', 8333, 9n],
      ['ipv4', 1, '93.184.6.1', 8333, 9n],
    ]);
    // Core stamps addresses it answers getaddr with near its own clock, the one in its version.
    for (const a of addresses) expect(Math.abs(a.time - Number(version.timestamp))).toBeLessThan(3600);
  });

  it('headers: three headers linked to the regtest genesis', () => {
    expectLinkedRegtestChain(payloadOf(messages, 'headers'));
  });
});

describe('bcoin 1.0.2', () => {
  const messages = decodeAll(VECTORS.get(BCOIN)!);

  it('sends the messages bcoin sends, in order', () => {
    expect(messages.map((m) => m.command)).toEqual([
      'version',
      'verack',
      'sendcmpct',
      'getaddr',
      'addr',
      'headers',
      'pong',
    ]);
  });

  it('version: 70015, services 9, /bcoin:v1.0.2/, height 3, relay', () => {
    const v = payloadOf(messages, 'version');
    expect(v.version).toBe(70015);
    expect(v.services).toBe(9n);
    expect(v.userAgent).toBe('/bcoin:v1.0.2/');
    expect(v.startHeight).toBe(3);
    expect(v.relay).toBe(true);
    // bcoin fills addrMe with the address it saw us connect from: IPv4-mapped loopback.
    expect(v.receiver.host).toBe('127.0.0.1');
    expect(v.sender).toEqual({ services: 9n, host: '::', port: 0 });
  });

  it('sendcmpct: announce false, version 1; verack and getaddr empty', () => {
    expect(payloadOf(messages, 'sendcmpct')).toEqual({ announce: false, version: 1n });
    expect(payloadOf(messages, 'verack')).toEqual({});
    expect(payloadOf(messages, 'getaddr')).toEqual({});
  });

  it('addr: its own listener and the three addresses in its table', () => {
    const { addresses } = payloadOf(messages, 'addr');
    expect(addresses.map((a) => [a.host, a.port, a.services])).toEqual([
      ['127.0.0.1', 48444, 0xdn],
      ['93.184.2.1', 8333, 9n],
      ['93.184.3.1', 8333, 9n],
      ['93.184.4.1', 8333, 9n],
    ]);
  });

  it('headers: three headers linked to the regtest genesis', () => {
    expectLinkedRegtestChain(payloadOf(messages, 'headers'));
  });

  it('pong echoes our ping nonce 0102030405060708', () => {
    expect(payloadOf(messages, 'pong').nonce).toBe(0x0807_0605_0403_0201n);
  });
});
