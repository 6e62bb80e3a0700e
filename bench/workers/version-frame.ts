/** The `version` frame the benchmarks' hand-made peers send: testkit's version payload on regtest, a user agent of their own. */
import { encodeMessage } from '../../src/protocol/codec.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { makeVersion } from '../../testkit/scripted-peer/messages.js';

/** What differs between the benchmarks' `version` frames; the nonce is fresh and random unless given. */
export interface BenchVersion {
  readonly userAgent: string;
  readonly startHeight?: number;
  readonly nonce?: bigint;
  readonly relay?: boolean;
}

/** A regtest `version` frame: testkit's defaults (full node with witness, addresses unspecified), `version` on top. */
export const benchVersionFrame = ({ nonce, ...version }: BenchVersion): Buffer =>
  encodeMessage(NETWORKS.regtest.magic, {
    command: 'version',
    payload: makeVersion(nonce === undefined ? version : { ...version, nonce }),
  });
