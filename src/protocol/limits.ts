/** Limits Bitcoin Core enforces (src/net.h, src/net_processing.cpp, src/protocol.h). */
export const MAX_PROTOCOL_MESSAGE_LENGTH = 4_000_000;
/** Longest user agent Core accepts, in bytes. */
export const MAX_SUBVERSION_LENGTH = 256;
/** Most addresses in one `addr` or `addrv2`. */
export const MAX_ADDR_TO_SEND = 1000;
/** Most entries in one `inv`, `getdata` or `notfound`. */
export const MAX_INV_SZ = 50_000;
/** Most hashes in a block locator. */
export const MAX_LOCATOR_SZ = 101;
/** Most headers in one `headers` message. */
export const MAX_HEADERS_RESULTS = 2000;
/** Longest address in an `addrv2` entry, in bytes. */
export const MAX_ADDRV2_SIZE = 512;
/** Core truncates reject reasons to this many bytes (MAX_REJECT_MESSAGE_LENGTH). */
export const MAX_REJECT_MESSAGE_LENGTH = 111;
/** The command field of a message header. */
export const COMMAND_SIZE = 12;
/** CompactSize values above this are never valid lengths (Core's MAX_SIZE). */
export const MAX_COMPACT_SIZE = 0x0200_0000;

/** The protocol version we announce (Core 29's). */
export const PROTOCOL_VERSION = 70016;
/** Core's lowest protocol version it talks to. */
export const MIN_PEER_PROTO_VERSION = 31800;
/** The version from which peers understand `sendheaders` (BIP130). */
export const SENDHEADERS_VERSION = 70012;
/** The version from which peers understand `feefilter` (BIP133). */
export const FEEFILTER_VERSION = 70013;
/** The version from which peers understand compact blocks (BIP152). */
export const SHORT_IDS_BLOCKS_VERSION = 70014;
/** The version from which peers negotiate `wtxidrelay` (BIP339). */
export const WTXID_RELAY_VERSION = 70016;

/** Service bits a node announces in its `version` and in addresses. */
export const Services = {
  NONE: 0n,
  NETWORK: 1n << 0n,
  BLOOM: 1n << 2n,
  WITNESS: 1n << 3n,
  COMPACT_FILTERS: 1n << 6n,
  NETWORK_LIMITED: 1n << 10n,
  P2P_V2: 1n << 11n,
} as const;
