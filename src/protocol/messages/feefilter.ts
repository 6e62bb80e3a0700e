import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

/** BIP133: the minimum fee rate, in satoshis per 1000 virtual bytes, the peer wants relayed. */
export interface FeeFilterPayload {
  feeRate: bigint;
}

export const decodeFeeFilter = (r: Reader): FeeFilterPayload => ({ feeRate: r.i64('fee rate') });

export const encodeFeeFilter = (w: Writer, p: FeeFilterPayload): void => {
  w.i64(p.feeRate);
};
