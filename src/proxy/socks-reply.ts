// What a SOCKS5 proxy answered while a connection was being set up, read from the bytes it sent:
// the method selection (RFC 1928), the username/password status (RFC 1929) and the reply to our
// CONNECT, with Tor's onion-service reply codes. Sans-I/O: bytes in, a verdict out.
import type { DisconnectReason } from '../../machines/peer/disconnect.js';

/** What the proxy has said so far. */
export type SocksReading =
  /** Not enough bytes yet to tell. */
  | { state: 'incomplete' }
  /** The proxy connected us: its replies took the first `length` bytes; what follows is the peer's. */
  | { state: 'granted'; length: number }
  /** The proxy said no, or said something that is not SOCKS5. */
  | { state: 'refused'; reason: DisconnectReason; message: string };

/** A reply code of the CONNECT reply: the disconnect reason it becomes and what it says. */
export interface SocksReplyMeaning {
  readonly reason: DisconnectReason;
  readonly text: string;
}

const SOCKS_VERSION = 0x05;
const USER_PASS_VERSION = 0x01;
const METHOD_NO_AUTH = 0x00;
const METHOD_USER_PASS = 0x02;
const METHOD_NONE_ACCEPTABLE = 0xff;
const REPLY_SUCCEEDED = 0x00;
const ATYP_IPV4 = 0x01;
const ATYP_DOMAIN = 0x03;
const ATYP_IPV6 = 0x04;

const hex = (byte: number): string => `0x${byte.toString(16).padStart(2, '0')}`;

/**
 * Every failure code a SOCKS5 proxy may put in its reply: RFC 1928's eight, and the onion-service
 * codes Tor sends with `ExtendedErrors` (the ones Bitcoin Core's Socks5ErrorString names).
 */
export const SOCKS5_REPLIES: Readonly<Record<number, SocksReplyMeaning>> = Object.freeze({
  0x01: { reason: 'proxy-general-failure', text: 'general failure' },
  0x02: { reason: 'proxy-not-allowed', text: 'connection not allowed by ruleset' },
  0x03: { reason: 'proxy-network-unreachable', text: 'network unreachable' },
  0x04: { reason: 'proxy-host-unreachable', text: 'host unreachable' },
  0x05: { reason: 'proxy-connection-refused', text: 'connection refused by the destination' },
  0x06: { reason: 'proxy-ttl-expired', text: 'TTL expired' },
  0x07: { reason: 'proxy-not-supported', text: 'command not supported' },
  0x08: { reason: 'proxy-not-supported', text: 'address type not supported' },
  0xf0: { reason: 'proxy-onion-unreachable', text: 'onion service descriptor not found' },
  0xf1: { reason: 'proxy-onion-unreachable', text: 'onion service descriptor invalid' },
  0xf2: { reason: 'proxy-onion-unreachable', text: 'onion service introduction failed' },
  0xf3: { reason: 'proxy-onion-unreachable', text: 'onion service rendezvous failed' },
  0xf4: { reason: 'proxy-onion-invalid', text: 'onion service needs client authorisation' },
  0xf5: { reason: 'proxy-onion-invalid', text: 'onion service rejected our client authorisation' },
  0xf6: { reason: 'proxy-onion-invalid', text: 'invalid onion address' },
  0xf7: { reason: 'proxy-onion-unreachable', text: 'onion service introduction timed out' },
});

/** The reason and text of a reply code; codes no standard assigns are general failures. */
export function replyMeaning(code: number): SocksReplyMeaning {
  return SOCKS5_REPLIES[code] ?? { reason: 'proxy-general-failure', text: `unassigned reply code ${hex(code)}` };
}

const refused = (reason: DisconnectReason, message: string): SocksReading => ({ state: 'refused', reason, message });
const INCOMPLETE: SocksReading = { state: 'incomplete' };

/**
 * Reads everything the proxy has sent since the connection to it opened. `offeredUserPass` says
 * whether we offered username/password: a proxy that picks a method we did not offer is not
 * speaking SOCKS5 to us. Only as many bytes as the replies need are looked at.
 */
export function readSocksReplies(bytes: Uint8Array, offeredUserPass: boolean): SocksReading {
  if (bytes.length < 2) return INCOMPLETE;
  if (bytes[0] !== SOCKS_VERSION) {
    return refused('proxy-bad-reply', `the proxy's first answer is not SOCKS5 (version byte ${hex(bytes[0]!)})`);
  }
  const method = bytes[1]!;
  let offset = 2;
  if (method === METHOD_NONE_ACCEPTABLE) {
    return refused('proxy-auth-rejected', 'the proxy accepts none of the methods we offered (no authentication, username/password)');
  }
  if (method === METHOD_USER_PASS && offeredUserPass) {
    if (bytes.length < 4) return INCOMPLETE;
    if (bytes[2] !== USER_PASS_VERSION) {
      return refused('proxy-bad-reply', `the proxy's authentication answer has version ${hex(bytes[2]!)}, not 0x01`);
    }
    if (bytes[3] !== 0x00) return refused('proxy-auth-rejected', `the proxy rejected our username and password (status ${hex(bytes[3]!)})`);
    offset = 4;
  } else if (method !== METHOD_NO_AUTH) {
    return refused('proxy-bad-reply', `the proxy chose authentication method ${hex(method)}, which we did not offer`);
  }
  return readConnectReply(bytes.subarray(offset), offset);
}

/** The reply to CONNECT: VER REP RSV ATYP BND.ADDR BND.PORT. */
function readConnectReply(reply: Uint8Array, before: number): SocksReading {
  if (reply.length < 2) return INCOMPLETE;
  if (reply[0] !== SOCKS_VERSION) {
    return refused('proxy-bad-reply', `the proxy's reply is not SOCKS5 (version byte ${hex(reply[0]!)})`);
  }
  const code = reply[1]!;
  if (code !== REPLY_SUCCEEDED) {
    const { reason, text } = replyMeaning(code);
    return refused(reason, `the proxy answered ${hex(code)}: ${text}`);
  }
  if (reply.length < 5) return INCOMPLETE;
  if (reply[2] !== 0x00) return refused('proxy-bad-reply', `the proxy's reply has a non-zero reserved byte (${hex(reply[2]!)})`);
  const addressLength =
    reply[3] === ATYP_IPV4 ? 4 : reply[3] === ATYP_IPV6 ? 16 : reply[3] === ATYP_DOMAIN ? 1 + reply[4]! : -1;
  if (addressLength < 0) return refused('proxy-bad-reply', `the proxy's reply has an unknown address type (${hex(reply[3]!)})`);
  const length = 4 + addressLength + 2;
  return reply.length < length ? INCOMPLETE : { state: 'granted', length: before + length };
}
