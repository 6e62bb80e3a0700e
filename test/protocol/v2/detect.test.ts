/**
 * detectTransport, the responder's first decision: v1 frames of every network (whole, and byte by
 * byte while undecided), v2 keys, and prefixes that mismatch at each of the 16 positions.
 */
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../../../src/protocol/codec.js';
import { NETWORKS } from '../../../src/protocol/networks.js';
import { detectTransport, V1_PREFIX_SIZE } from '../../../src/protocol/v2/detect.js';
import { generateEllSwiftKey } from '../../../src/protocol/v2/keys.js';
import { V2Transport } from '../../../src/protocol/v2/transport.js';

const versionFrame = (magic: Uint8Array): Buffer =>
  encodeMessage(magic, {
    command: 'version',
    payload: {
      version: 70016,
      services: 0n,
      timestamp: 1_700_000_000n,
      receiver: { services: 0n, host: '127.0.0.1', port: 8333 },
      sender: { services: 0n, host: '0.0.0.0', port: 0 },
      nonce: 42n,
      userAgent: '/test:1/',
      startHeight: 0,
      relay: false,
    },
  });

describe('detectTransport', () => {
  for (const network of Object.values(NETWORKS)) {
    it(`${network.name}: a v1 version frame is v1; each shorter prefix of it is undecided`, () => {
      const frame = versionFrame(network.magic);
      expect(detectTransport(frame, network.magic)).toBe('v1');
      expect(detectTransport(frame.subarray(0, V1_PREFIX_SIZE), network.magic)).toBe('v1');
      for (let n = 0; n < V1_PREFIX_SIZE; n++) expect(detectTransport(frame.subarray(0, n), network.magic)).toBe('undecided');
    });

    it(`${network.name}: the same frame seen by another network's responder is v2 (its magic differs)`, () => {
      for (const other of Object.values(NETWORKS)) {
        if (other === network) continue;
        expect(detectTransport(versionFrame(network.magic), other.magic)).toBe('v2');
      }
    });

    it(`${network.name}: a v1 frame that is not a version is v2, as Core treats it`, () => {
      const verack = encodeMessage(network.magic, { command: 'verack', payload: {} });
      expect(detectTransport(verack, network.magic)).toBe('v2');
      expect(detectTransport(verack.subarray(0, 7), network.magic)).toBe('undecided');
      expect(detectTransport(verack.subarray(0, 8), network.magic)).toBe('v2');
    });
  }

  it('a mismatch at any of the 16 positions decides v2 at that byte', () => {
    const magic = NETWORKS.mainnet.magic;
    const prefix = versionFrame(magic).subarray(0, V1_PREFIX_SIZE);
    for (let i = 0; i < V1_PREFIX_SIZE; i++) {
      const bytes = Buffer.from(prefix);
      bytes[i]! ^= 0x01;
      expect(detectTransport(bytes.subarray(0, i), magic)).toBe('undecided');
      expect(detectTransport(bytes.subarray(0, i + 1), magic)).toBe('v2');
      expect(detectTransport(bytes, magic)).toBe('v2');
    }
  });

  it('v2 keys, ours and random ones, are v2 at their first differing byte', () => {
    for (const network of Object.values(NETWORKS)) {
      for (let i = 0; i < 5; i++) {
        const key = Buffer.from(generateEllSwiftKey().ellswift);
        expect(detectTransport(key, network.magic)).toBe('v2');
        const first = new V2Transport({ role: 'initiator', magic: network.magic }).start();
        expect(detectTransport(first, network.magic)).toBe('v2');
      }
    }
  });
});
