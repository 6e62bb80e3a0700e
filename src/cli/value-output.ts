// The progress lines `block` and `broadcast` print for people: time, peer, what happened.
import { sanitise } from './sanitise.js';

/** One line: the time of day, the peer's address, and what happened (peer-given text made harmless). */
export const progressLine = (address: string, what: string): string =>
  `${new Date().toISOString().slice(11, 23)}  ${address.padEnd(21)}  ${sanitise(what)}\n`;
