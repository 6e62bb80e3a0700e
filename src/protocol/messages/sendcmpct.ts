import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

/** BIP152: whether the peer wants new blocks announced as compact blocks, and which version. */
export interface SendCmpctPayload {
  announce: boolean;
  version: bigint;
}

export const decodeSendCmpct = (r: Reader): SendCmpctPayload => ({
  announce: r.bool('announce'),
  version: r.u64('version'),
});

export const encodeSendCmpct = (w: Writer, p: SendCmpctPayload): void => {
  w.bool(p.announce).u64(p.version);
};
