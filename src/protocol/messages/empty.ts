import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

/** Messages whose meaning is their command alone: verack, getaddr, sendaddrv2, wtxidrelay, sendheaders, mempool. */
export type EmptyPayload = Record<string, never>;

// Bytes after the known (here: no) fields are tolerated, as for every message.
export const decodeEmpty = (_r: Reader): EmptyPayload => ({});

export const encodeEmpty = (_w: Writer, _p: EmptyPayload): void => {};
