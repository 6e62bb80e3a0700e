/** The `version` frame the benchmarks' hand-made peers send: regtest, our protocol version, a user agent of their own. */
import { randomBytes } from 'node:crypto';
import { encodeMessage } from '../../src/protocol/codec.js';
import { PROTOCOL_VERSION, Services } from '../../src/protocol/limits.js';
import { NETWORKS } from '../../src/protocol/networks.js';

/** What differs between the benchmarks' `version` frames; the nonce is fresh and random unless given. */
export interface BenchVersion {
  readonly userAgent: string;
  readonly startHeight?: number;
  readonly nonce?: bigint;
  readonly relay?: boolean;
}

/** A regtest `version` frame: full node with witness, addresses left unspecified. */
export function benchVersionFrame({ userAgent, startHeight = 0, nonce, relay = true }: BenchVersion): Buffer {
  return encodeMessage(NETWORKS.regtest.magic, {
    command: 'version',
    payload: {
      version: PROTOCOL_VERSION,
      services: Services.NETWORK | Services.WITNESS,
      timestamp: BigInt(Math.floor(Date.now() / 1000)),
      receiver: { services: 0n, host: '::', port: 0 },
      sender: { services: 0n, host: '::', port: 0 },
      nonce: nonce ?? randomBytes(8).readBigUInt64LE(0),
      userAgent,
      startHeight,
      relay,
    },
  });
}
