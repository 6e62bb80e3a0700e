/**
 * What the fuzz campaign (bench/fuzz.ts) and the vector replay (test/endurance/vectors.test.ts)
 * check on one stream of chunks. Each check returns the problems it found, as text; none means
 * the stream passed. They never throw for a problem of the code under test, so the campaign can
 * count, shrink and record instead of dying.
 *
 *  - checkCodec: the Framer and decodePayload alone. Only ProtocolError, with a code of the right
 *    family; nothing after a fatal event; at most one maximum message held; the same events
 *    whatever the chunking; every payload that decodes encodes again and decodes to the same value.
 *  - checkPeer: a connected peer machine over the in-memory transport (testkit/memory-transport),
 *    against the oracle of streams.ts (`predict`): the same end, counts and pongs, no status
 *    'error', no timer and no socket left. Its pieces (connectOverMemory, observePeer, wantedPeer)
 *    also serve the peer fuzz of test/endurance/fuzz-peer.test.ts, in memory and over TCP.
 */
import { isDeepStrictEqual } from 'node:util';
import { decodePayload, encodeMessage, encodePayload } from '../../src/protocol/codec.js';
import { FATAL_FRAMING_CODES, ProtocolError } from '../../src/protocol/errors.js';
import { type FrameEvent, Framer } from '../../src/protocol/framer.js';
import { HEADER_SIZE } from '../../src/protocol/header.js';
import { MAX_PROTOCOL_MESSAGE_LENGTH } from '../../src/protocol/limits.js';
import { isKnownMessage } from '../../src/protocol/messages/index.js';
import { makeVersion } from '../scripted-peer/index.js';
import { type MemoryLink, type MemoryTransport, memoryTransport } from '../memory-transport/index.js';
import { type Expected, predict } from './streams.js';
import { type CountingRun, MAGIC, startCounting, stopNow } from '../endurance.js';

export { MAGIC, predict, type Expected };

/** What an error looks like in a problem report: its class, code when typed, and message. */
export function describeError(error: unknown): string {
  if (error instanceof ProtocolError) return `ProtocolError(${error.code}): ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `non-error thrown: ${String(error)}`;
}

// ---------------------------------------------------------------------------------------------
// Framer and decoders

/** Tallies of one stream through the codec, for the campaign's summary. */
export interface CodecTally {
  messages: number;
  dropped: number;
  fatal: number;
  decoded: number;
  rejected: number;
}

const DROP_CODES: ReadonlySet<string> = new Set(['bad-checksum', 'bad-command']);
/** The framer's growing payload buffer starts at 64 KiB (framer.ts); past that it may double once ahead of the data. */
const INITIAL_PAYLOAD_BUFFER = 64 * 1024;

/** One event in short, for reports. */
function describeEvent(event: FrameEvent | undefined): string {
  if (!event) return 'missing';
  if (event.type === 'message') return `message ${event.command} (${event.payload.length} bytes)`;
  if (event.type === 'dropped') return `dropped ${event.command} (${event.error.code})`;
  return `fatal (${event.error.code})`;
}

function sameEvent(a: FrameEvent, b: FrameEvent): boolean {
  if (a.type === 'message') return b.type === 'message' && a.command === b.command && a.payload.equals(b.payload);
  if (a.type === 'dropped') return b.type === 'dropped' && a.command === b.command && a.error.code === b.error.code;
  return b.type === 'fatal' && a.error.code === b.error.code;
}

interface Framed {
  events: FrameEvent[];
  problems: string[];
}

/** Pushes the chunks through a fresh Framer, checking the framing invariants after each push. */
function frameAll(chunks: readonly Buffer[], label: string): Framed {
  const framer = new Framer(MAGIC);
  const events: FrameEvent[] = [];
  const problems: string[] = [];
  let fatal = false;
  for (const [i, chunk] of chunks.entries()) {
    let out: FrameEvent[];
    try {
      out = framer.push(chunk);
    } catch (error) {
      problems.push(`${label}: Framer.push threw on chunk ${i}: ${describeError(error)}`);
      return { events, problems };
    }
    if (fatal && out.length > 0) problems.push(`${label}: ${out.length} event(s) after the fatal one, chunk ${i}`);
    for (const event of out) {
      events.push(event);
      if (event.type === 'message') continue;
      if (!(event.error instanceof ProtocolError)) {
        problems.push(`${label}: ${event.type} event with an untyped error: ${describeError(event.error)}`);
      } else if (event.type === 'fatal' && !FATAL_FRAMING_CODES.has(event.error.code)) {
        problems.push(`${label}: fatal event with the non-fatal code ${event.error.code}`);
      } else if (event.type === 'dropped' && !DROP_CODES.has(event.error.code)) {
        problems.push(`${label}: dropped event with the code ${event.error.code}`);
      }
      if (event.type === 'fatal') fatal = true;
    }
    // At most one maximum message in flight, and the payload buffer never far ahead of the data.
    const held = (framer as unknown as { payload: Buffer | null }).payload?.length ?? 0;
    if (framer.buffered > HEADER_SIZE + MAX_PROTOCOL_MESSAGE_LENGTH || held > MAX_PROTOCOL_MESSAGE_LENGTH) {
      problems.push(`${label}: ${framer.buffered} bytes buffered, payload buffer of ${held}, after chunk ${i}`);
    }
    if (held > Math.max(INITIAL_PAYLOAD_BUFFER, 2 * framer.buffered)) {
      problems.push(`${label}: payload buffer of ${held} bytes for ${framer.buffered} buffered, after chunk ${i}`);
    }
  }
  if (fatal && !(framer.error instanceof ProtocolError)) problems.push(`${label}: no ProtocolError kept after the fatal event`);
  return { events, problems };
}

/** Decodes one payload; a known message must also survive encode → decode unchanged. */
function checkPayload(command: string, payload: Buffer, problems: string[], tally: CodecTally): void {
  let message;
  try {
    message = decodePayload(command, payload);
  } catch (error) {
    tally.rejected++;
    if (!(error instanceof ProtocolError)) {
      problems.push(`decodePayload(${JSON.stringify(command)}) threw ${describeError(error)}`);
    }
    return;
  }
  tally.decoded++;
  if (!isKnownMessage(message)) return;
  try {
    const again = decodePayload(command, encodePayload(message));
    if (!isDeepStrictEqual(again, message)) {
      problems.push(`${command}: decode → encode → decode changed the message`);
    }
  } catch (error) {
    problems.push(`${command}: a decoded message does not encode and decode again: ${describeError(error)}`);
  }
}

/** The Framer and decoders on `chunks`; see the file comment. */
export function checkCodec(chunks: readonly Buffer[], tally?: CodecTally): string[] {
  const counts = tally ?? { messages: 0, dropped: 0, fatal: 0, decoded: 0, rejected: 0 };
  const chunked = frameAll(chunks, 'chunked');
  const problems = [...chunked.problems];
  const whole = frameAll([Buffer.concat(chunks)], 'in one chunk');
  problems.push(...whole.problems);
  if (chunked.problems.length === 0 && whole.problems.length === 0) {
    const a = chunked.events;
    const b = whole.events;
    const length = Math.max(a.length, b.length);
    for (let i = 0; i < length; i++) {
      if (a[i] && b[i] && sameEvent(a[i]!, b[i]!)) continue;
      problems.push(`the chunking changed event ${i}: ${describeEvent(a[i])} in chunks, ${describeEvent(b[i])} in one chunk`);
      break;
    }
  }
  for (const event of chunked.events) {
    if (event.type === 'message') {
      counts.messages++;
      checkPayload(event.command, event.payload, problems, counts);
    } else counts[event.type]++;
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// A connected peer machine over the in-memory socket

/** What the machine did with a stream, in the oracle's terms. */
export interface PeerObserved {
  end: string;
  output: unknown;
  /** Nonces answered, in order. */
  pongs: bigint[];
  dropped: number;
  addressBatches: number;
  messages: number;
  errors: unknown[];
  timers: number;
}

let transport: MemoryTransport | undefined;

/** What a machine has counted so far, to compare what a stream adds. */
export interface PeerTally {
  dropped: number;
  addresses: number;
  messages: number;
}

/** The machine's counts now. */
export const tallyPeer = (run: CountingRun): PeerTally => ({
  dropped: run.emitted.dropped,
  addresses: run.emitted.addresses,
  messages: [...run.incoming.values()].reduce((a, b) => a + b, 0),
});

/**
 * A fresh peer machine over `over`, the other side's version and verack delivered: connected,
 * unless the handshake is broken (the caller checks `run.state()`).
 */
export function connectOverMemory(over: MemoryTransport): { run: CountingRun; link: MemoryLink } {
  const run = startCounting({ port: 18444, connectOnStart: true, maxRetries: 0 }, { machine: over.machine });
  const link = over.latest!;
  try {
    link.open();
    link.deliver(
      Buffer.concat([
        encodeMessage(MAGIC, { command: 'version', payload: makeVersion() }),
        encodeMessage(MAGIC, { command: 'verack', payload: {} }),
      ]),
    );
  } catch (error) {
    // The actor must not outlive a handshake that threw.
    run.actor.stop();
    throw error;
  }
  return { run, link };
}

/**
 * What the machine did since `before`: its end (the cause when done, the state's name while
 * active), the counts it added, `pongs` (the nonces it answered), its errors, and its timers
 * once done (a connected machine has its ping timers running).
 */
export function observePeer(run: CountingRun, before: PeerTally, pongs: bigint[]): PeerObserved {
  const now = tallyPeer(run);
  const snapshot = run.actor.getSnapshot();
  const done = snapshot.status === 'done';
  return {
    end: done ? String(snapshot.output?.cause) : snapshot.status === 'active' ? run.state() : `status ${snapshot.status}`,
    output: done ? snapshot.output : undefined,
    pongs,
    dropped: now.dropped - before.dropped,
    addressBatches: now.addresses - before.addresses,
    messages: now.messages - before.messages,
    errors: run.errors,
    timers: done ? run.pendingTimers() : 0,
  };
}

/** What the machine must have done by the oracle, answering the first `pongs` of the pings it predicts. */
export function wantedPeer(expected: Expected, pongs = expected.pings.length): PeerObserved {
  return {
    end: expected.end,
    output: expected.end === 'connected' ? undefined : { reason: 'disconnected', cause: expected.end, retries: 0 },
    pongs: expected.pings.slice(0, pongs),
    dropped: expected.dropped,
    addressBatches: expected.addressBatches,
    messages: expected.messages,
    errors: [],
    timers: 0,
  };
}

/** BigInts and buffers as text, so that a problem report can show the values. */
const show = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Error ? describeError(v) : v));

/**
 * A fresh peer machine, connected over the in-memory socket (handshake done), is fed `chunks`
 * one `socket.data` event each. It must end as `predict` says, with the same counts, every ping
 * read before the end answered in order, no status 'error', no timer left once done, and its
 * socket released; one still connected must stop at once on STOP.
 */
export function checkPeer(chunks: readonly Buffer[], expected: Expected = predict(chunks)): string[] {
  transport ??= memoryTransport();
  const problems: string[] = [];
  const { run, link } = connectOverMemory(transport);
  try {
    if (run.state() !== 'connected') return [`the in-memory handshake did not complete: ${run.state()}`];
    const before = tallyPeer(run);
    const pongsBefore = link.pongs.length;
    for (const [i, chunk] of chunks.entries()) {
      try {
        link.deliver(chunk);
      } catch (error) {
        problems.push(`delivering chunk ${i} threw ${describeError(error)}`);
        return problems;
      }
    }
    const observed = observePeer(run, before, link.pongs.slice(pongsBefore));
    const wanted = wantedPeer(expected);
    if (!isDeepStrictEqual(observed, wanted)) {
      for (const key of Object.keys(wanted) as (keyof PeerObserved)[]) {
        if (!isDeepStrictEqual(observed[key], wanted[key])) {
          problems.push(`the machine differs from the oracle on ${key}: ${show(observed[key])}, expected ${show(wanted[key])}`);
        }
      }
    }
    if (expected.end === 'connected' && run.actor.getSnapshot().status === 'active') {
      const stopped = stopNow(run);
      const want = { status: 'done', output: { reason: 'user-stop', cause: 'user-stop', retries: 0 }, timers: 0 };
      if (!isDeepStrictEqual(stopped, want)) problems.push(`STOP did not end the machine at once: ${show(stopped)}`);
    }
    if (!link.closed) problems.push('the in-memory socket was not released');
    return problems;
  } finally {
    // Whatever happened, the actor must not outlive its case.
    if (run.actor.getSnapshot().status === 'active') run.actor.stop();
  }
}
