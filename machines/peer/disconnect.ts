// Every reason a connection ends, in one place: who decided it, the sentence a person reads, and what
// it means for what follows (worth a retry? worth a ban?), in the manner of nakamoto's DisconnectReason.

/**
 * Ends reported by the transport: the connection could not be made or stopped carrying bytes.
 * The peer may be fine; whether trying again may help is each reason's `transient`.
 */
export const TRANSPORT_REASONS = [
  'connection-refused',
  'socket-closed',
  'socket-error',
  'connect-timeout',
  'dns-failure',
  'send-buffer-full',
  'unsupported-network',
  // Through a SOCKS5 proxy (--proxy, --onion-proxy): the proxy could not be used, or it answered
  // for the destination with one of RFC 1928's replies (or Tor's onion-service extensions).
  'proxy-unreachable',
  'proxy-auth-rejected',
  'proxy-bad-reply',
  'proxy-closed',
  'proxy-general-failure',
  'proxy-not-allowed',
  'proxy-network-unreachable',
  'proxy-host-unreachable',
  'proxy-connection-refused',
  'proxy-ttl-expired',
  'proxy-not-supported',
  'proxy-onion-unreachable',
  'proxy-onion-invalid',
] as const;

/** Ends the protocol decided: the peer broke a rule, is not what we need, or stopped answering. */
export const PROTOCOL_REASONS = [
  'handshake-timeout',
  'ping-timeout',
  'framing-error',
  'protocol-violation',
  'self-connection',
  'peer-version-too-old',
  'missing-services',
  'v2-unsupported',
] as const;

/** Ends we chose ourselves: the user, inbound eviction, or a verdict reached outside the peer (bad headers, a bad block). */
export const LOCAL_REASONS = ['user-stop', 'evicted', 'misbehaving'] as const;

/** A reason the transport reported. */
export type TransportReason = (typeof TRANSPORT_REASONS)[number];
/** A reason the protocol decided. */
export type ProtocolReason = (typeof PROTOCOL_REASONS)[number];
/** A reason of our own. */
export type LocalReason = (typeof LOCAL_REASONS)[number];

/** Why a connection ended. Kebab-case, because these names appear in logs and JSON output as they are. */
export type DisconnectReason = TransportReason | ProtocolReason | LocalReason;

/** Who decided that a connection ends. */
export type DisconnectOrigin = 'transport' | 'protocol' | 'local';

/** What a disconnect reason means. */
export interface DisconnectMeaning {
  /** Who decided it. */
  readonly origin: DisconnectOrigin;
  /** The sentence a person reads in logs and the human output. */
  readonly text: string;
  /** Whether the same peer may well work if tried again later. */
  readonly transient: boolean;
  /** Whether the peer misbehaved, so that it is banned for a while (Core's `Misbehaving`). */
  readonly misbehaviour: boolean;
}

const meaning = (origin: DisconnectOrigin, text: string, transient: boolean, misbehaviour = false): DisconnectMeaning =>
  Object.freeze({ origin, text, transient, misbehaviour });

/** Every reason and what it means. */
export const DISCONNECT_REASONS: Readonly<Record<DisconnectReason, DisconnectMeaning>> = Object.freeze({
  'connection-refused': meaning('transport', 'the peer refused the connection', true),
  'socket-closed': meaning('transport', 'the peer closed the connection', true),
  'socket-error': meaning('transport', 'the connection failed', true),
  'connect-timeout': meaning('transport', 'the connection did not open in time (through a proxy: the proxy did not connect in time)', true),
  'dns-failure': meaning('transport', 'the name did not resolve', true),
  'send-buffer-full': meaning('transport', 'the peer stopped reading and our send buffer filled', true),
  'unsupported-network': meaning('transport', 'no route to that network: .onion needs --onion-proxy or --proxy; I2P is not supported', false),
  'proxy-unreachable': meaning('transport', 'the proxy could not be reached', true),
  'proxy-auth-rejected': meaning('transport', 'the proxy refused our authentication or offered no method we accept', false),
  'proxy-bad-reply': meaning('transport', 'the proxy answered something that is not SOCKS5', false),
  'proxy-closed': meaning('transport', 'the proxy closed the connection before it was set up', true),
  'proxy-general-failure': meaning('transport', 'the proxy reported a general failure', true),
  'proxy-not-allowed': meaning('transport', "the proxy's rules do not allow this connection", false),
  'proxy-network-unreachable': meaning('transport', 'the proxy cannot reach that network', true),
  'proxy-host-unreachable': meaning('transport', 'the proxy cannot reach that host', true),
  'proxy-connection-refused': meaning('transport', 'the peer refused the connection (reported by the proxy)', true),
  'proxy-ttl-expired': meaning('transport', 'the proxy gave up on the connection (TTL expired)', true),
  'proxy-not-supported': meaning('transport', 'the proxy does not support this command or address type', false),
  'proxy-onion-unreachable': meaning('transport', 'Tor could not reach the onion service', true),
  'proxy-onion-invalid': meaning('transport', 'Tor says the onion address is invalid, or the service needs a client authorisation we lack', false),
  'handshake-timeout': meaning('protocol', 'no version and verack within the handshake timeout', true),
  'ping-timeout': meaning('protocol', 'no pong within the ping timeout', true),
  'framing-error': meaning('protocol', 'the byte stream broke the framing rules', false, true),
  'protocol-violation': meaning('protocol', 'the peer broke the protocol', false, true),
  'self-connection': meaning('protocol', 'the peer sent our own nonce: we connected to ourselves', false, true),
  'peer-version-too-old': meaning('protocol', 'the peer speaks a protocol version below our minimum', false),
  'missing-services': meaning('protocol', 'the peer lacks services we require', false),
  'v2-unsupported': meaning('protocol', 'the peer did not answer our BIP324 v2 key in v2 (it speaks v1 only)', false),
  'user-stop': meaning('local', 'stopped by the user', false),
  evicted: meaning('local', 'evicted to make room for a new inbound peer', true),
  misbehaving: meaning('local', 'the peer sent what the chain refuses (invalid headers or blocks)', false, true),
});

/** The sentence a person reads for `reason`. */
export const disconnectText = (reason: DisconnectReason): string => DISCONNECT_REASONS[reason].text;

/** Whether a peer that ended this way may work if tried again later. */
export const isTransient = (reason: DisconnectReason): boolean => DISCONNECT_REASONS[reason].transient;

/** Whether a peer that ended this way misbehaved and should be kept away for a while. */
export const isMisbehaviour = (reason: DisconnectReason): boolean => DISCONNECT_REASONS[reason].misbehaviour;
