/** Requests the codec benchmark sends to its workers, and what they answer. */

export interface MixFile {
  readonly name: string;
  readonly file: string;
}

export type WorkerRequest =
  | { readonly op: 'load'; readonly mixes: readonly MixFile[] }
  /** Drop what was built for a finished mix (chunk views, decoded messages), so it does not weigh on later GCs. */
  | { readonly op: 'release'; readonly mix: string }
  /** One pass over the whole stream in `chunk`-byte pieces (0 = one piece), `inner` times. */
  | {
      readonly op: 'decode';
      readonly mix: string;
      readonly chunk: number;
      readonly inner: number;
      /** Ours only: false = framing and checksum only, no decodePayload. */
      readonly decode?: boolean;
      /** Ours only: false = Framer with verifyChecksum: false. */
      readonly verify?: boolean;
      /** Ours only: build every entry of inventories and header lists (decoding leaves them in the bytes). */
      readonly build?: boolean;
    }
  /** Encode every message of the mix into a frame, `inner` times. */
  | { readonly op: 'encode'; readonly mix: string; readonly inner: number }
  /** Ours only: encode every message once and compare with the stream (bad = 1 if they differ). */
  | { readonly op: 'encode-check'; readonly mix: string }
  /** Ours only: node:crypto double SHA-256 of every payload, the checksum ceiling. */
  | { readonly op: 'hash'; readonly mix: string; readonly inner: number };

export interface LoadResult {
  readonly backend: string;
}

export interface ReleaseResult {
  readonly released: boolean;
}

/** Per pass (the worker divides by `inner`). */
export interface PassResult {
  /** Wall-clock milliseconds. */
  readonly ms: number;
  /** CPU milliseconds of the worker process (all its threads, GC helpers included). */
  readonly cpuMs: number;
  readonly messages: number;
  /** inv/addr/headers entries, unknown-payload bytes, 1 per ping: proves the whole payload was read. */
  readonly items: number;
  readonly bytes: number;
  /** Messages dropped or rejected: must be 0. */
  readonly bad: number;
}
