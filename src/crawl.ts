// The crawl with its real actors: which addresses it dials (classifyTarget), and its peers over TCP, directly or through a proxy.
import { type Actor, type ActorOptions, createActor } from 'xstate';
import { type CrawlMachine, crawlMachine } from '../machines/crawl.js';
import type { CrawlInput, CrawlTarget } from '../machines/crawl/types.js';
import type { PeerMachine } from '../machines/peer.js';
import { DIRECT_NETWORKS } from './address-book.js';
import type { StoredNetwork } from './addrman/netaddr.js';
import { isLocal, isRoutable } from './net-address.js';
import { processNonces } from './nonces.js';
import { createPeerMachine } from './peer.js';
import { type ProxySettings, proxySettingsOf, reachableNetworks } from './proxy/config.js';

/**
 * Which addresses a crawl dials: publicly routable addresses of the networks it can reach
 * (`networks`: IPv4 and IPv6, and Tor v3 when a proxy reaches it); loopback and private ones only
 * when the crawl itself started from such an address, so that a public crawl never probes
 * anyone's private network. Other networks (Tor without a proxy, I2P, CJDNS) are recorded, not dialled.
 */
export function classifyTarget(
  target: CrawlTarget,
  followLocal: boolean,
  networks: ReadonlySet<StoredNetwork> = DIRECT_NETWORKS,
): 'dial' | 'not-routable' | 'unsupported-network' {
  if (!networks.has(target.network as StoredNetwork)) return 'unsupported-network';
  if (isRoutable(target)) return 'dial';
  return followLocal && isLocal(target) ? 'dial' : 'not-routable';
}

/** Whether a crawl starting here may follow local addresses. */
export const startsLocal = (targets: readonly CrawlTarget[]): boolean => targets.some((t) => isLocal(t));

/** The crawl machine with its real actors: peers over TCP (or the peer machine given). */
export function createCrawlMachine(peerMachine: PeerMachine = createPeerMachine()): CrawlMachine {
  return crawlMachine.provide({ actors: { peer: peerMachine } });
}

/** A running crawl. */
export type CrawlActor = Actor<CrawlMachine>;

/** What createCrawl takes: the crawl's input (`classify` optional), and the proxies every peer uses. */
export type CreateCrawlInput = Omit<CrawlInput, 'classify'> & Partial<Pick<CrawlInput, 'classify'>> & ProxySettings;

/**
 * A crawl actor, not yet started. `classify` defaults to classifyTarget over the networks the
 * proxies reach: with `proxy` or `onionProxy` set, `.onion` nodes are dialled through it.
 */
export function createCrawl(
  input: CreateCrawlInput,
  options: Omit<ActorOptions<CrawlMachine>, 'input'> & { peerMachine?: PeerMachine } = {},
): CrawlActor {
  const { peerMachine, ...actorOptions } = options;
  const { proxy: _proxy, onionProxy: _onion, proxyRandomize: _randomize, ...crawlInput } = input;
  const proxies = proxySettingsOf(input);
  const networks = reachableNetworks(proxies);
  const classify: CrawlInput['classify'] = (target, followLocal) => classifyTarget(target, followLocal, networks);
  return createActor(createCrawlMachine(peerMachine), {
    ...actorOptions,
    input: {
      classify,
      ...crawlInput,
      peer: { nonces: processNonces, ...input.peer, ...proxies },
    },
  });
}
