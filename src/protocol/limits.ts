/** Limits Bitcoin Core enforces (src/net.h, src/net_processing.cpp, src/protocol.h). */
export const MAX_PROTOCOL_MESSAGE_LENGTH = 4_000_000;
export const MAX_SUBVERSION_LENGTH = 256;
export const MAX_ADDR_TO_SEND = 1000;
export const MAX_INV_SZ = 50_000;
export const MAX_LOCATOR_SZ = 101;
export const MAX_HEADERS_RESULTS = 2000;
export const MAX_ADDRV2_SIZE = 512;
/** Core truncates reject reasons to this many bytes (MAX_REJECT_MESSAGE_LENGTH). */
export const MAX_REJECT_MESSAGE_LENGTH = 111;
/** The command field of a message header. */
export const COMMAND_SIZE = 12;
/** CompactSize values above this are never valid lengths (Core's MAX_SIZE). */
export const MAX_COMPACT_SIZE = 0x0200_0000;

export const PROTOCOL_VERSION = 70016;
export const MIN_PEER_PROTO_VERSION = 31800;
export const SENDHEADERS_VERSION = 70012;
export const FEEFILTER_VERSION = 70013;
export const SHORT_IDS_BLOCKS_VERSION = 70014;
export const WTXID_RELAY_VERSION = 70016;

export const Services = {
  NONE: 0n,
  NETWORK: 1n << 0n,
  BLOOM: 1n << 2n,
  WITNESS: 1n << 3n,
  COMPACT_FILTERS: 1n << 6n,
  NETWORK_LIMITED: 1n << 10n,
  P2P_V2: 1n << 11n,
} as const;
