/**
 * Our initiator against our responder in memory (and against a peer built from the primitives):
 * the handshake both ways, messages both ways up to the 4 MB limit, the rekey crossed several times,
 * decoys anywhere, garbage of every size, any chunking, and the API's contract.
 */
import { elligatorSwift } from '@scure/btc-signer/p2p.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload } from '../../../src/protocol/codec.js';
import { ProtocolError } from '../../../src/protocol/errors.js';
import { MAX_PROTOCOL_MESSAGE_LENGTH } from '../../../src/protocol/limits.js';
import { NETWORKS } from '../../../src/protocol/networks.js';
import { REKEY_INTERVAL } from '../../../src/protocol/v2/cipher.js';
import { generateEllSwiftKey } from '../../../src/protocol/v2/keys.js';
import { shortIdOf, V2_SHORT_IDS } from '../../../src/protocol/v2/short-ids.js';
import { MAX_CONTENTS_SIZE, MAX_GARBAGE_SIZE, V2Transport } from '../../../src/protocol/v2/transport.js';
import { expectProtocolError } from '../support.js';
import {
  againstRawPeer,
  cyclingChunks,
  fatalOf,
  fixedChunks,
  flush,
  link,
  type Link,
  messagesOf,
  RawPeer,
  whole,
  write,
} from './support.js';

const MAGIC = NETWORKS.regtest.magic;
const zeros = (n: number): Buffer => Buffer.alloc(n);

const ping = (nonce: bigint): Buffer => encodePayload({ command: 'ping', payload: { nonce } });

/** A linked pair with the handshake done. */
function established(options: Parameters<typeof link>[1] = {}, responder: Parameters<typeof link>[2] = {}): Link {
  const l = link(MAGIC, options, responder);
  flush(l);
  expect(l.initiator.transport.phase).toBe('application');
  expect(l.responder.transport.phase).toBe('application');
  return l;
}

describe('handshake', () => {
  it('establishes both ways with equal 32-byte session ids, in 1.5 round trips', () => {
    const l = link(MAGIC);
    flush(l);
    const { initiator: a, responder: b } = l;
    expect(a.events.map((e) => e.type)).toEqual(['send', 'established']);
    expect(b.events.map((e) => e.type)).toEqual(['send', 'established']);
    const idA = a.events[1]!.type === 'established' ? a.events[1]!.sessionId : null;
    const idB = b.events[1]!.type === 'established' ? b.events[1]!.sessionId : null;
    expect(idA).toHaveLength(32);
    expect(idA!.equals(idB!)).toBe(true);
    expect(a.transport.sessionId!.equals(idA!)).toBe(true);
    expect(b.transport.sessionId!.equals(idA!)).toBe(true);
    expect(a.transport.peerKeyBytesReceived).toBe(64);
    expect(b.transport.peerKeyBytesReceived).toBe(64);
    expect(a.transport.buffered).toBe(0);
    expect(b.transport.buffered).toBe(0);
  });

  it('the initiator sends its key alone first, and garbage, terminator and version packet once it has the peer key', () => {
    const garbage = Buffer.alloc(100, 7);
    const a = new V2Transport({ role: 'initiator', magic: MAGIC, garbage });
    const b = new V2Transport({ role: 'responder', magic: MAGIC, garbage: zeros(30) });
    const first = a.start();
    expect(first).toHaveLength(64);
    expect(a.canEncode).toBe(false);
    const bFirst = b.start();
    expect(bFirst).toHaveLength(64 + 30);
    const bEvents = b.push(first);
    expect(bEvents.map((e) => e.type)).toEqual(['send']);
    const bSend = bEvents[0]!.type === 'send' ? bEvents[0]!.bytes : zeros(0);
    expect(bSend).toHaveLength(16 + 20);
    const aEvents = a.push(Buffer.concat([bFirst, bSend]));
    expect(aEvents.map((e) => e.type)).toEqual(['send', 'established']);
    const aSend = aEvents[0]!.type === 'send' ? aEvents[0]!.bytes : zeros(0);
    expect(aSend).toHaveLength(100 + 16 + 20);
    expect(aSend.subarray(0, 100).equals(garbage)).toBe(true);
    expect(b.push(aSend).map((e) => e.type)).toEqual(['established']);
  });

  it('with garbageWithKey the initiator sends key and garbage at once, as Core does', () => {
    const a = new V2Transport({ role: 'initiator', magic: MAGIC, garbage: zeros(50), garbageWithKey: true });
    expect(a.start()).toHaveLength(114);
    const l = link(MAGIC, { garbage: zeros(50), garbageWithKey: true });
    flush(l);
    const send = l.initiator.events[0]!;
    expect(send.type === 'send' && send.bytes.length).toBe(36);
    expect(l.responder.transport.phase).toBe('application');
  });

  for (const [initiatorGarbage, responderGarbage] of [
    [0, 0],
    [MAX_GARBAGE_SIZE, MAX_GARBAGE_SIZE],
    [0, MAX_GARBAGE_SIZE],
    [MAX_GARBAGE_SIZE, 1],
  ] as const) {
    it(`garbage of ${initiatorGarbage} and ${responderGarbage} bytes, delivered 1 byte at a time and whole`, () => {
      for (const chunker of [whole, fixedChunks(1), fixedChunks(17)]) {
        const l = link(MAGIC, { garbage: zeros(initiatorGarbage) }, { garbage: Buffer.alloc(responderGarbage, 0xa5) });
        flush(l, chunker);
        expect(l.initiator.transport.phase).toBe('application');
        expect(l.responder.transport.phase).toBe('application');
        expect(l.initiator.transport.sessionId!.equals(l.responder.transport.sessionId!)).toBe(true);
      }
    });
  }

  it('random garbage by default: 0 to 4095 bytes, drawn from randomBytes', () => {
    const lengths = new Set<number>();
    let draws = 0;
    const randomBytes = (n: number): Uint8Array => {
      draws++;
      return Buffer.alloc(n, draws * 37);
    };
    for (let i = 0; i < 5; i++) {
      const t = new V2Transport({ role: 'responder', magic: MAGIC, randomBytes });
      const first = t.start();
      expect(first.length - 64).toBeLessThanOrEqual(MAX_GARBAGE_SIZE);
      lengths.add(first.length - 64);
    }
    expect(lengths.size).toBeGreaterThan(1);
    expect(draws).toBeGreaterThan(5);
  });

  it('a terminator split across chunks at every position is found', () => {
    for (let split = 1; split < 16; split++) {
      const t = new V2Transport({ role: 'initiator', magic: MAGIC });
      const peer = new RawPeer('responder', MAGIC, Buffer.alloc(40, 1));
      peer.receiveKey(t.start().subarray(0, 64));
      const stream = Buffer.concat([peer.hello(), peer.terminatorAndVersion()]);
      const cut = 64 + 40 + split;
      expect(t.push(stream.subarray(0, cut)).map((e) => e.type)).toEqual(['send']);
      expect(t.phase).toBe('garbage');
      expect(t.push(stream.subarray(cut)).map((e) => e.type)).toEqual(['established']);
      expect(t.sessionId!.equals(peer.sessionId)).toBe(true);
    }
  });

  it('a stall in the middle of the key is just waiting; peerKeyBytesReceived counts what came', () => {
    const a = new V2Transport({ role: 'initiator', magic: MAGIC });
    a.start();
    const peerKey = generateEllSwiftKey().ellswift;
    expect(a.peerKeyBytesReceived).toBe(0);
    expect(a.push(Buffer.from(peerKey.subarray(0, 1)))).toEqual([]);
    expect(a.push(Buffer.from(peerKey.subarray(1, 40)))).toEqual([]);
    expect(a.peerKeyBytesReceived).toBe(40);
    expect(a.buffered).toBe(40);
    expect(a.phase).toBe('key');
    expect(a.sessionId).toBeNull();
    expect(a.push(Buffer.from(peerKey.subarray(40))).map((e) => e.type)).toEqual(['send']);
    expect(a.phase).toBe('garbage');
  });
});

describe('messages', () => {
  it('ping and pong both ways, with one-byte message types', () => {
    const l = established();
    const p = l.initiator.transport.encode('ping', ping(0x1122334455667788n));
    expect(p).toHaveLength(3 + 1 + 1 + 8 + 16);
    write(l, 'initiator', p);
    flush(l);
    const got = messagesOf(l.responder);
    expect(got).toEqual([{ command: 'ping', payload: ping(0x1122334455667788n).toString('hex') }]);
    const decoded = decodePayload('ping', Buffer.from(got[0]!.payload, 'hex'));
    expect(decoded).toEqual({ command: 'ping', payload: { nonce: 0x1122334455667788n } });
    write(l, 'responder', l.responder.transport.encode('pong', encodePayload({ command: 'pong', payload: { nonce: 5n } })));
    flush(l);
    expect(messagesOf(l.initiator)).toEqual([
      { command: 'pong', payload: encodePayload({ command: 'pong', payload: { nonce: 5n } }).toString('hex') },
    ]);
  });

  it('an addr and a version (13-byte type) arrive decodable', () => {
    const l = established();
    const addr = encodePayload({
      command: 'addr',
      payload: { addresses: [{ time: 1_700_000_000, services: 9n, host: '203.0.113.5', port: 8333 }] },
    });
    const version = Buffer.from('0123456789', 'hex');
    // Packets go on the wire in the order they were encoded: each advances the ciphers.
    write(l, 'responder', l.responder.transport.encode('addr', addr));
    const packet = l.responder.transport.encode('version', version);
    expect(packet).toHaveLength(3 + 1 + 13 + version.length + 16);
    write(l, 'responder', packet);
    flush(l, fixedChunks(5));
    const got = messagesOf(l.initiator);
    expect(got.map((m) => m.command)).toEqual(['addr', 'version']);
    expect(decodePayload('addr', Buffer.from(got[0]!.payload, 'hex'))).toEqual({
      command: 'addr',
      payload: { addresses: [{ time: 1_700_000_000, services: 9n, host: '203.0.113.5', port: 8333 }] },
    });
    expect(got[1]!.payload).toBe('0123456789');
  });

  it('every short id is used for its command, and every other command goes long', () => {
    const l = established();
    const commands = [...V2_SHORT_IDS.slice(1), 'version', 'verack', 'sendaddrv2', 'wtxidrelay', 'x', 'abcdefghijkl'];
    for (const [i, command] of commands.entries()) {
      const payload = Buffer.alloc(i, i);
      const packet = l.initiator.transport.encode(command, payload);
      expect(packet.length - payload.length - 20).toBe(shortIdOf(command) ? 1 : 13);
      write(l, 'initiator', packet);
    }
    flush(l);
    expect(messagesOf(l.responder)).toEqual(commands.map((command, i) => ({ command, payload: Buffer.alloc(i, i).toString('hex') })));
  });

  it('a 4,000,000-byte payload both ways, whole and in 64 KB chunks', () => {
    const big = Buffer.alloc(MAX_PROTOCOL_MESSAGE_LENGTH);
    for (let i = 0; i < big.length; i += 4093) big[i] = i & 0xff;
    const l = established();
    write(l, 'initiator', l.initiator.transport.encode('block', big));
    write(l, 'responder', l.responder.transport.encode('unknowncmd', big));
    flush(l, fixedChunks(64 * 1024));
    const atResponder = l.responder.events.filter((e) => e.type === 'message');
    const atInitiator = l.initiator.events.filter((e) => e.type === 'message');
    expect(atResponder).toHaveLength(1);
    expect(atInitiator).toHaveLength(1);
    expect(atResponder[0]!.type === 'message' && atResponder[0]!.payload.equals(big)).toBe(true);
    expect(atInitiator[0]!.type === 'message' && atInitiator[0]!.command).toBe('unknowncmd');
    expect(atInitiator[0]!.type === 'message' && atInitiator[0]!.payload.equals(big)).toBe(true);
  });

  it('a 4,000,001-byte payload: encode refuses it, and a peer that sends one ends the connection', () => {
    const l = established();
    expectProtocolError(() => l.initiator.transport.encode('block', zeros(MAX_PROTOCOL_MESSAGE_LENGTH + 1)), 'unencodable');
    const { transport, peer } = againstRawPeer('initiator', MAGIC);
    transport.push(peer.packet(zeros(0), { aad: peer.garbage }));
    expect(transport.phase).toBe('application');
    const events = transport.push(peer.packet([Buffer.from([shortIdOf('block')!]), zeros(MAX_PROTOCOL_MESSAGE_LENGTH + 1)]));
    expect(events.map((e) => e.type)).toEqual(['fatal']);
    expect(events[0]!.type === 'fatal' && events[0]!.error.code).toBe('oversized-payload');
    expect(transport.phase).toBe('failed');
  });

  it('1,000 packets each way cross the 224-packet rekey several times', () => {
    const l = established();
    const count = 1000;
    expect(count).toBeGreaterThan(4 * REKEY_INTERVAL);
    for (let i = 0; i < count; i++) {
      write(l, 'initiator', l.initiator.transport.encode('ping', ping(BigInt(i))));
      write(l, 'responder', l.responder.transport.encode('inv', Buffer.alloc(i % 300, i & 0xff)));
    }
    flush(l, cyclingChunks([1, 7, 29, 300, 4096]));
    const pings = messagesOf(l.responder);
    expect(pings).toHaveLength(count);
    expect(pings.every((m, i) => m.command === 'ping' && m.payload === ping(BigInt(i)).toString('hex'))).toBe(true);
    const invs = messagesOf(l.initiator);
    expect(invs).toHaveLength(count);
    expect(invs.every((m, i) => m.payload === Buffer.alloc(i % 300, i & 0xff).toString('hex'))).toBe(true);
  });

  it('decoys after the version packet are read and dropped, between and around messages', () => {
    const l = established();
    const a = l.initiator.transport;
    write(l, 'initiator', a.encodeDecoy(0));
    write(l, 'initiator', a.encode('ping', ping(1n)));
    write(l, 'initiator', a.encodeDecoy(1000));
    write(l, 'initiator', a.encodeDecoy(5));
    write(l, 'initiator', a.encode('ping', ping(2n)));
    write(l, 'initiator', a.encodeDecoy(70_000));
    flush(l, fixedChunks(333));
    expect(messagesOf(l.responder).map((m) => m.payload)).toEqual([ping(1n), ping(2n)].map((b) => b.toString('hex')));
    expect(l.responder.transport.decoysReceived).toBe(4);
  });

  it('decoys before the version packet, the first of them authenticating the garbage', () => {
    for (const role of ['initiator', 'responder'] as const) {
      const { transport, peer, events } = againstRawPeer(role, MAGIC, { garbage: Buffer.alloc(300, 3) });
      expect(events.map((e) => e.type)).toEqual(['send']);
      const stream = Buffer.concat([
        peer.packet(Buffer.from('first decoy'), { aad: peer.garbage, ignore: true }),
        peer.packet(zeros(10), { ignore: true }),
        peer.packet(Buffer.from('future version info')),
        peer.packet(zeros(3), { ignore: true }),
        peer.packet([Buffer.from([shortIdOf('ping')!]), ping(9n)]),
      ]);
      const got = fixedChunks(11)(stream).flatMap((chunk) => transport.push(chunk));
      expect(got.map((e) => e.type)).toEqual(['established', 'message']);
      expect(transport.decoysReceived).toBe(3);
    }
  });

  it('a decoy as the version packet is not one: only a packet without the ignore bit establishes', () => {
    const { transport, peer } = againstRawPeer('responder', MAGIC);
    expect(transport.push(peer.packet(zeros(0), { aad: peer.garbage, ignore: true }))).toEqual([]);
    expect(transport.phase).toBe('version');
    expect(transport.push(peer.packet(zeros(0))).map((e) => e.type)).toEqual(['established']);
  });

  it('unknown and reserved short ids, empty contents and malformed long types are dropped; the connection goes on', () => {
    const { transport, peer } = againstRawPeer('initiator', MAGIC);
    transport.push(peer.packet(zeros(0), { aad: peer.garbage }));
    const long = (type: string): Buffer => {
      const bytes = Buffer.alloc(13);
      bytes.write(type, 1, 'latin1');
      return bytes;
    };
    const cases: [Buffer, string][] = [
      [Buffer.from([29, 1, 2]), 'v2-unknown-message-id'],
      [Buffer.from([32]), 'v2-unknown-message-id'],
      [Buffer.from([33, 0]), 'v2-unknown-message-id'],
      [Buffer.from([255]), 'v2-unknown-message-id'],
      [zeros(0), 'bad-command'],
      [zeros(5), 'bad-command'],
      [zeros(13), 'bad-command'],
      [Buffer.concat([long('ping'), Buffer.from([0])]).fill(0x41, 10, 11), 'bad-command'],
      [Buffer.concat([long('p\x01ng')]), 'bad-command'],
    ];
    for (const [contents, code] of cases) {
      const events = transport.push(peer.packet(contents));
      expect(events.map((e) => e.type), contents.toString('hex')).toEqual(['dropped']);
      expect(events[0]!.type === 'dropped' && events[0]!.error.code).toBe(code);
    }
    const accepted = transport.push(
      Buffer.concat([peer.packet([long('ping'), ping(3n)]), peer.packet(long('del\x7f')), peer.packet([Buffer.from([18]), ping(4n)])]),
    );
    expect(accepted.map((e) => (e.type === 'message' ? e.command : e.type))).toEqual(['ping', 'del\x7f', 'ping']);
    expect(transport.phase).toBe('application');
  });
});

describe('chunking', () => {
  it('any chunking from 1 byte to 64 KB, any garbage, decoys anywhere: the same messages and session', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 64 * 1024 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: MAX_GARBAGE_SIZE }),
        fc.integer({ min: 0, max: MAX_GARBAGE_SIZE }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.constant(-1)), { maxLength: 12 }),
        fc.boolean(),
        (sizes, garbageA, garbageB, plan, withKey) => {
          const l = link(MAGIC, { garbage: Buffer.alloc(garbageA, 1), garbageWithKey: withKey }, { garbage: Buffer.alloc(garbageB, 2) });
          const chunker = cyclingChunks(sizes);
          flush(l, chunker);
          const expected: string[] = [];
          for (const [i, size] of plan.entries()) {
            if (size < 0) {
              write(l, 'initiator', l.initiator.transport.encodeDecoy(i * 11));
              continue;
            }
            const payload = Buffer.alloc(size, i);
            expected.push(payload.toString('hex'));
            write(l, 'initiator', l.initiator.transport.encode(i % 2 ? 'tx' : 'getheaders', payload));
          }
          flush(l, chunker);
          expect(l.responder.transport.phase).toBe('application');
          expect(l.initiator.transport.sessionId!.equals(l.responder.transport.sessionId!)).toBe(true);
          expect(messagesOf(l.responder).map((m) => m.payload)).toEqual(expected);
          expect(l.responder.transport.buffered).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('the API contract', () => {
  it('encoding before the peer key is a typed error, not a queue', () => {
    const a = new V2Transport({ role: 'initiator', magic: MAGIC });
    a.start();
    expectProtocolError(() => a.encode('ping', ping(1n)), 'v2-not-ready');
    expectProtocolError(() => a.encodeDecoy(1), 'v2-not-ready');
  });

  it('bad commands and decoy sizes are unencodable', () => {
    const l = established();
    const a = l.initiator.transport;
    expectProtocolError(() => a.encode('', zeros(0)), 'unencodable');
    expectProtocolError(() => a.encode('thirteen-char', zeros(0)), 'unencodable');
    expectProtocolError(() => a.encode('caf\u00e9', zeros(0)), 'unencodable');
    expectProtocolError(() => a.encodeDecoy(-1), 'unencodable');
    expectProtocolError(() => a.encodeDecoy(MAX_CONTENTS_SIZE + 1), 'unencodable');
    expect(a.encodeDecoy(MAX_CONTENTS_SIZE)).toHaveLength(MAX_CONTENTS_SIZE + 20);
  });

  it('start once, and before push; options are checked', () => {
    const a = new V2Transport({ role: 'initiator', magic: MAGIC });
    expect(() => a.push(zeros(1))).toThrow(/start/);
    a.start();
    expect(() => a.start()).toThrow(/twice/);
    expect(() => new V2Transport({ role: 'initiator', magic: zeros(3) })).toThrow(RangeError);
    expect(() => new V2Transport({ role: 'initiator', magic: MAGIC, garbage: zeros(4096) })).toThrow(RangeError);
    const key = generateEllSwiftKey();
    const other = generateEllSwiftKey();
    expect(() => new V2Transport({ role: 'initiator', magic: MAGIC, key: { privateKey: key.privateKey, ellswift: other.ellswift } })).toThrow(TypeError);
    expect(new V2Transport({ role: 'initiator', magic: MAGIC, key }).start().equals(Buffer.from(key.ellswift))).toBe(true);
  });

  it('randomBytes gives the private key and the garbage: the same source, the same public key and garbage', () => {
    let counter = 0;
    const source = (n: number): Uint8Array => Buffer.alloc(n, ++counter);
    const first = new V2Transport({ role: 'responder', magic: MAGIC, randomBytes: source }).start();
    counter = 0;
    const second = new V2Transport({ role: 'responder', magic: MAGIC, randomBytes: source }).start();
    // The 64-byte encodings differ (the library draws their randomness itself); the point does not.
    expect(Buffer.from(elligatorSwift.decode(first.subarray(0, 64))).equals(Buffer.from(elligatorSwift.decode(second.subarray(0, 64))))).toBe(true);
    expect(first.subarray(64).equals(second.subarray(64))).toBe(true);
  });

  it('errors are ProtocolErrors with codes, and the session id is a copy', () => {
    const l = established();
    const id = l.initiator.transport.sessionId!;
    id.fill(0);
    expect(l.initiator.transport.sessionId!.equals(id)).toBe(false);
    const a = new V2Transport({ role: 'initiator', magic: MAGIC });
    a.start();
    const events = a.push(Buffer.concat([Buffer.from(MAGIC), Buffer.from('version')]));
    const error = fatalOf({ transport: a, events, inbound: [] });
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error.code).toBe('v2-peer-speaks-v1');
  });
});
