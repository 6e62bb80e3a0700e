/**
 * Hostile and broken peers: flipped bits in a length, a tag, the garbage; a terminator that never
 * comes; a key of all zeros; a v1 peer; another network; replays; a 4 MB announcement with nothing
 * behind it. Each ends in one typed fatal event (or plain waiting), nothing after it, bounded memory.
 */
import { describe, expect, it } from 'vitest';
import { FATAL_FRAMING_CODES } from '../../../src/protocol/errors.js';
import { NETWORKS } from '../../../src/protocol/networks.js';
import { shortIdOf } from '../../../src/protocol/v2/short-ids.js';
import { GARBAGE_WINDOW, V2Transport, type V2Event } from '../../../src/protocol/v2/transport.js';
import { againstRawPeer, fatalOf, flush, link } from './support.js';

const MAGIC = NETWORKS.testnet4.magic;
const zeros = (n: number): Buffer => Buffer.alloc(n);
const types = (events: readonly V2Event[]): string[] => events.map((e) => e.type);
const codeOf = (events: readonly V2Event[]): string | undefined => {
  const fatal = events.find((e) => e.type === 'fatal');
  return fatal?.type === 'fatal' ? fatal.error.code : undefined;
};

/** A transport past its handshake with a RawPeer, ready for application packets. */
function inApplication(role: 'initiator' | 'responder' = 'initiator') {
  const setup = againstRawPeer(role, MAGIC);
  expect(types(setup.transport.push(setup.peer.packet(zeros(0), { aad: setup.peer.garbage })))).toEqual(['established']);
  return setup;
}

const pingPacket = (peer: ReturnType<typeof inApplication>['peer'], nonce: number): Buffer =>
  peer.packet([Buffer.from([shortIdOf('ping')!]), Buffer.alloc(8, nonce)]);

describe('damaged packets', () => {
  it('a flipped bit in a length: the packet, cut elsewhere, fails to authenticate once enough bytes came', () => {
    for (const bit of [0, 1, 5, 9]) {
      const { transport, peer } = inApplication();
      const packet = pingPacket(peer, 1);
      packet[bit >> 3]! ^= 1 << (bit & 7);
      const following = Buffer.concat(Array.from({ length: 40 }, (_, i) => pingPacket(peer, i + 2)));
      const events = [...transport.push(packet), ...transport.push(following)];
      expect(types(events), `bit ${bit}`).toEqual(['fatal']);
      expect(codeOf(events)).toBe('v2-decrypt-failed');
    }
  });

  it('a length whose contents would exceed 4,000,013 bytes ends the connection before any of them arrive', () => {
    const { transport, peer } = inApplication();
    const packet = pingPacket(peer, 1);
    packet[2]! ^= 0x80;
    const events = transport.push(packet.subarray(0, 3));
    expect(types(events)).toEqual(['fatal']);
    expect(codeOf(events)).toBe('oversized-payload');
  });

  it('a flipped bit in a tag, in the header byte, in the contents: decryption fails', () => {
    for (const where of ['tag', 'header', 'contents'] as const) {
      const { transport, peer } = inApplication('responder');
      const packet = pingPacket(peer, 1);
      const at = where === 'tag' ? packet.length - 1 : where === 'header' ? 3 : 6;
      packet[at]! ^= 0x10;
      const events = transport.push(packet);
      expect(types(events), where).toEqual(['fatal']);
      expect(codeOf(events)).toBe('v2-decrypt-failed');
    }
  });

  it('a replayed packet is never delivered a second time: the stream fails once enough bytes came', () => {
    const { transport, peer } = inApplication();
    const packet = pingPacket(peer, 1);
    expect(types(transport.push(packet))).toEqual(['message']);
    // Under the next keystream its length is any number: too large at once, or a wait for that many bytes.
    const events = [...transport.push(packet), ...transport.push(zeros(4_000_100))];
    expect(types(events)).toEqual(['fatal']);
    expect(['oversized-payload', 'v2-decrypt-failed']).toContain(codeOf(events));
  });

  it('a flipped bit in the garbage, in transit between our two transports: the first packet fails', () => {
    for (const chunkSize of [1, 1000]) {
      const l = link(MAGIC, { garbage: Buffer.alloc(200, 9) }, { garbage: zeros(10) });
      // Deliver the initiator's key, let the responder answer, and damage the initiator's garbage.
      flush(l, (bytes) => {
        if (bytes.length === 200 + 36 && bytes[0] === 9) {
          const damaged = Buffer.from(bytes);
          damaged[77]! ^= 0x01;
          bytes = damaged;
        }
        const out: Buffer[] = [];
        for (let at = 0; at < bytes.length; at += chunkSize) out.push(bytes.subarray(at, at + chunkSize));
        return out;
      });
      expect(l.initiator.transport.phase).toBe('application');
      expect(l.responder.transport.phase).toBe('failed');
      expect(fatalOf(l.responder).code).toBe('v2-decrypt-failed');
      expect(fatalOf(l.responder).message).toMatch(/garbage/);
    }
  });

  it('a version packet without the garbage as AAD fails', () => {
    const { transport, peer } = againstRawPeer('responder', MAGIC, { garbage: Buffer.alloc(12, 4) });
    const events = transport.push(peer.packet(zeros(0)));
    expect(codeOf(events)).toBe('v2-decrypt-failed');
  });
});

describe('the garbage terminator', () => {
  it('4,111 bytes without it end the connection, at the 4,111th byte and not before', () => {
    for (const role of ['initiator', 'responder'] as const) {
      const t = new V2Transport({ role, magic: MAGIC });
      t.start();
      const key = zeros(64);
      key[0] = 1;
      expect(types(t.push(key))).toEqual(['send']);
      expect(t.push(Buffer.alloc(GARBAGE_WINDOW - 1, 0x5a))).toEqual([]);
      expect(t.buffered).toBe(GARBAGE_WINDOW - 1);
      expect(t.bufferCapacity).toBe(GARBAGE_WINDOW);
      const events = t.push(Buffer.from([0x5a, 0x5a]));
      expect(types(events)).toEqual(['fatal']);
      expect(codeOf(events)).toBe('v2-no-terminator');
      expect(t.buffered).toBe(0);
      expect(t.bufferCapacity).toBe(0);
    }
  });

  it('a terminator ending exactly at the 4,111th byte is accepted', () => {
    const { transport, peer } = againstRawPeer('initiator', MAGIC, { garbage: Buffer.alloc(4095, 0x33) });
    expect(transport.phase).toBe('version');
    expect(types(transport.push(peer.packet(zeros(0), { aad: peer.garbage })))).toEqual(['established']);
  });

  it('peers on different networks derive different terminators and never agree', () => {
    const a = new V2Transport({ role: 'initiator', magic: NETWORKS.mainnet.magic, garbage: zeros(4095) });
    const b = new V2Transport({ role: 'responder', magic: NETWORKS.signet.magic, garbage: zeros(4095) });
    const aFirst = a.start();
    const bFirst = b.start();
    const bEvents = b.push(aFirst);
    const bSend = bEvents[0]?.type === 'send' ? bEvents[0].bytes : zeros(0);
    const aEvents = a.push(Buffer.concat([bFirst, bSend]));
    const aSend = aEvents[0]?.type === 'send' ? aEvents[0].bytes : zeros(0);
    expect(codeOf(aEvents)).toBe('v2-no-terminator');
    expect(codeOf(b.push(aSend))).toBe('v2-no-terminator');
  });
});

describe('keys', () => {
  it('a key of all zeros decodes (to a curve point) and the handshake goes on, in both roles', () => {
    for (const role of ['initiator', 'responder'] as const) {
      const t = new V2Transport({ role, magic: MAGIC });
      t.start();
      const events = t.push(zeros(64));
      expect(types(events)).toEqual(['send']);
      expect(t.sessionId).toHaveLength(32);
      const later = t.push(zeros(GARBAGE_WINDOW));
      expect(codeOf(later)).toBe('v2-no-terminator');
    }
  });

  it('an initiator that hears the network magic first fails typed: a v1 peer answering', () => {
    const t = new V2Transport({ role: 'initiator', magic: MAGIC });
    t.start();
    expect(t.push(Buffer.from(MAGIC.subarray(0, 1)))).toEqual([]);
    expect(t.push(Buffer.from(MAGIC.subarray(1, 3)))).toEqual([]);
    const events = t.push(Buffer.concat([Buffer.from(MAGIC.subarray(3)), Buffer.from('reject\0\0\0\0\0\0')]));
    expect(types(events)).toEqual(['fatal']);
    expect(codeOf(events)).toBe('v2-peer-speaks-v1');
    expect(t.peerKeyBytesReceived).toBeGreaterThan(0);
  });

  it('a key that merely starts like the magic for fewer than 4 bytes is a key', () => {
    const t = new V2Transport({ role: 'initiator', magic: MAGIC });
    t.start();
    const key = zeros(64);
    Buffer.from(MAGIC).copy(key, 0, 0, 3);
    expect(types(t.push(key))).toEqual(['send']);
  });

  it('a responder that sees a v1 version header under another magic: a peer from another network', () => {
    const t = new V2Transport({ role: 'responder', magic: MAGIC });
    t.start();
    const header = Buffer.concat([Buffer.from(NETWORKS.mainnet.magic), Buffer.from('version\0\0\0\0\0', 'latin1'), zeros(8)]);
    const events = t.push(header);
    expect(types(events)).toEqual(['fatal']);
    expect(codeOf(events)).toBe('bad-magic');
  });
});

describe('after a fatal error, and memory', () => {
  it('nothing more comes out, whatever arrives; the buffers are released', () => {
    const { transport, peer } = inApplication();
    const packet = pingPacket(peer, 1);
    packet[packet.length - 2]! ^= 1;
    const events = transport.push(packet);
    expect(FATAL_FRAMING_CODES.has(events[0]!.type === 'fatal' ? events[0]!.error.code : 'bad-command')).toBe(true);
    expect(transport.error?.code).toBe('v2-decrypt-failed');
    expect(transport.phase).toBe('failed');
    for (const more of [pingPacket(peer, 2), zeros(100), zeros(1)]) expect(transport.push(more)).toEqual([]);
    expect(transport.buffered).toBe(0);
    expect(transport.bufferCapacity).toBe(0);
  });

  it('a packet announcing 4 MB costs only what arrives', () => {
    const { transport, peer } = inApplication();
    const big = peer.packet([Buffer.from([shortIdOf('block')!]), zeros(4_000_000)]);
    expect(transport.push(big.subarray(0, 3))).toEqual([]);
    expect(transport.push(big.subarray(3, 1003))).toEqual([]);
    expect(transport.buffered).toBe(1000);
    expect(transport.bufferCapacity).toBeGreaterThan(0);
    expect(transport.bufferCapacity).toBeLessThanOrEqual(64 * 1024);
    let at = 1003;
    let maxRatio = 0;
    while (at < big.length) {
      const events = transport.push(big.subarray(at, at + 100_000));
      at += 100_000;
      const capacity = transport.bufferCapacity;
      if (transport.buffered > 0) maxRatio = Math.max(maxRatio, capacity / transport.buffered);
      if (at >= big.length) expect(types(events)).toEqual(['message']);
    }
    expect(maxRatio).toBeLessThanOrEqual(16);
    expect(transport.buffered).toBe(0);
  });
});
