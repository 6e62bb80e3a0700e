// What follows a message whose payload does not decode, as Bitcoin Core decides it: most are
// dropped and the connection kept (Core catches the exception and goes on); oversized lists, which
// Core punishes with `Misbehaving` or a disconnect, end the connection as a protocol violation.
import type { ProtocolError } from '../../src/protocol/errors.js';

// net_processing.cpp: "addr message size", "inv message size", "getdata message size",
// "too-many-headers" are Misbehaving; a locator over MAX_LOCATOR_SZ disconnects the peer.
const PUNISHED_WHEN_OVERSIZED: ReadonlySet<string> = new Set([
  'addr',
  'addrv2',
  'inv',
  'getdata',
  'headers',
  'getheaders',
  'getblocks',
]);

/** Whether an undecodable payload ends the connection (true) or is only dropped (false). */
export function isPunishedDecodeError(error: ProtocolError): boolean {
  return error.code === 'too-many-entries' && error.command !== undefined && PUNISHED_WHEN_OVERSIZED.has(error.command);
}
