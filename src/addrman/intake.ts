// What may enter the book, by origin. Gossip (addresses a peer sent in `addr`/`addrv2`) follows
// Core's net_processing rules: at most 1,000 per message, the sender's token bucket, full nodes
// only, implausible times corrected, banned and unreachable networks skipped, routable only.
// Addresses the user gave (command line, ADD_ADDRESSES, a local network) may be anything valid.
import type { HeardAddress } from '../../machines/peer/types.js';
import { MAX_ADDR_TO_SEND, Services } from '../protocol/limits.js';
import type { AddrEntryIn } from './addrman.js';
import { isRoutable, isValid, isValidPort, type NetAddr, type NetId, netAddrFrom } from './netaddr.js';
import type { AddrTokenBucket } from './token-bucket.js';

/** Where addresses come from: a peer's gossip, or the user (trusted, unfiltered). */
export type Origin = 'gossip' | 'user';

/** Core's penalty on gossiped times (two hours), so that relayed addresses look older than they claim. */
export const GOSSIP_TIME_PENALTY_SECONDS = 2 * 3600;

// Core's rule for addr timestamps: one before 1973, or more than 10 minutes ahead, is implausible.
const MIN_PLAUSIBLE_TIME = 100_000_000;
const MAX_FUTURE_SECONDS = 10 * 60;
const IMPLAUSIBLE_TIME_AGE_SECONDS = 5 * 24 * 3600;

const isPlausibleTime = (time: number, nowSeconds: number): boolean =>
  Number.isFinite(time) && time > MIN_PLAUSIBLE_TIME && time <= nowSeconds + MAX_FUTURE_SECONDS;

/** Core's correction of a gossiped timestamp: an implausible one becomes five days ago. */
export const correctTime = (time: number, nowSeconds: number): number =>
  isPlausibleTime(time, nowSeconds) ? time : nowSeconds - IMPLAUSIBLE_TIME_AGE_SECONDS;

/** Core's MayHaveUsefulAddressDB: the node serves blocks (NODE_NETWORK or NODE_NETWORK_LIMITED). */
export const mayHaveUsefulAddressDB = (services: bigint): boolean =>
  (services & (Services.NETWORK | Services.NETWORK_LIMITED)) !== 0n;

/** Services are 64 bits on the wire; anything else is cut to that (and a negative value is 0). */
export const toServices = (x: unknown): bigint => (typeof x === 'bigint' && x >= 0n ? BigInt.asUintN(64, x) : 0n);

/** What the intake rules need besides the addresses. */
export interface IntakeContext {
  origin: Origin;
  nowSeconds: number;
  /** The sending peer's bucket (gossip); without one nothing is rate-limited. */
  tokens?: AddrTokenBucket;
  /** Shuffles in place (Core shuffles a message before spending tokens, so no position is favoured). */
  shuffle: <T>(items: T[]) => T[];
  /** Networks gossip is stored for: those we can reach (Core drops the others). */
  reachable: ReadonlySet<NetId>;
  /** Gossip about a banned address is not stored. */
  isBanned?: (addr: NetAddr) => boolean;
}

/** What became of one message. */
export interface Admission {
  /** Addresses that passed, with their time corrected, ready for the tables. */
  entries: AddrEntryIn[];
  received: number;
  /** Dropped for want of tokens. */
  rateLimited: number;
  /** Dropped by a rule: over 1,000 in one message, services, format, port, ban, network, routability. */
  dropped: number;
}

/** Applies the rules of `context.origin` to one message or one batch from the user. */
export function admitAddresses(heard: readonly HeardAddress[], context: IntakeContext): Admission {
  const received = heard.length;
  if (context.origin === 'user') return admitFromUser(heard, context.nowSeconds);
  // Core punishes a longer message and ignores all of it.
  if (received > MAX_ADDR_TO_SEND) return { entries: [], received, rateLimited: 0, dropped: received };
  const shuffled = context.shuffle([...heard]);
  const admitted = context.tokens ? context.tokens.admit(received) : received;
  const entries: AddrEntryIn[] = [];
  for (const a of shuffled.slice(0, admitted)) {
    const services = toServices(a.services);
    if (!mayHaveUsefulAddressDB(services)) continue;
    const addr = netAddrFrom(a.network, a.host);
    if (!addr || !isValidPort(a.port)) continue;
    if (context.isBanned?.(addr)) continue;
    if (!context.reachable.has(addr.net) || !isRoutable(addr)) continue;
    entries.push({ addr: { ...addr, port: a.port }, services, time: correctTime(a.time, context.nowSeconds) });
  }
  return { entries, received, rateLimited: received - admitted, dropped: admitted - entries.length };
}

/**
 * The user's addresses: any valid address with a valid port, on any network. An implausible
 * time becomes now (the user vouches for the address, as Core's addpeeraddress assumes).
 */
function admitFromUser(heard: readonly HeardAddress[], nowSeconds: number): Admission {
  const entries: AddrEntryIn[] = [];
  for (const a of heard) {
    const addr = netAddrFrom(a.network, a.host);
    if (!addr || !isValid(addr) || !isValidPort(a.port)) continue;
    const time = isPlausibleTime(a.time, nowSeconds) ? a.time : nowSeconds;
    entries.push({ addr: { ...addr, port: a.port }, services: toServices(a.services), time });
  }
  return { entries, received: heard.length, rateLimited: 0, dropped: heard.length - entries.length };
}
