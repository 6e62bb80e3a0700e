// Scripted Bitcoin peers for tests, benchmarks and scripts: over loopback TCP or a memory network, and a raw client.
//
// `startScriptedPeer` listens on a loopback address (`startMemoryPeer`: on a MemoryNetwork) and
// plays a v1 P2P peer with a fixed script (a `behaviour`): a well-behaved node, or one of the
// ways real peers break. Everything it receives is decoded with our codec and kept, so tests can
// assert on what a client sent. `connectRawClient` is the other end: a bare socket plus our
// Framer. Only loopback addresses are used over TCP, ever. Timeouts here are real-time guards
// (from `node:timers`, which Vitest's fake timers leave alone), never part of what is being tested.
export { type ClientEvent, connectRawClient, type RawClient, type RawClientOptions } from './raw-client.js';
export { Inbox } from './inbox.js';
export { formatAddress, isLoopback, makeVersion, parseAddress, resolveNetwork } from './messages.js';
export { memoryPeerTransport, startMemoryPeer } from './memory.js';
export { startScriptedPeer, tcpTransport } from './tcp.js';
export {
  type AddressSource,
  BAD_CHECKSUM_PING_NONCE,
  type Behaviour,
  BEHAVIOURS,
  DEFAULT_SERVICES,
  DEFAULT_USER_AGENT,
  DEFAULT_WAIT_TIMEOUT_MS,
  MALFORMED_VERSION_LENGTH,
  type MessageFor,
  OLD_PROTOCOL_VERSION,
  OVERSIZED_LENGTH,
  type PeerConnection,
  type PeerListener,
  type PeerTransport,
  type ScriptedPeer,
  type ScriptedPeerOptions,
  type StreamSocket,
  VALID_PING_NONCE,
} from './types.js';
