import { type Actor, type ActorOptions, createActor } from 'xstate';
import { type CrawlMachine, crawlMachine } from '../machines/crawl.js';
import type { CrawlInput, CrawlTarget } from '../machines/crawl/types.js';
import type { PeerMachine } from '../machines/peer.js';
import { isLocal, isRoutable } from './net-address.js';
import { processNonces } from './nonces.js';
import { createPeerMachine } from './peer.js';

/**
 * Which addresses a crawl dials: publicly routable IPv4 and IPv6; loopback and private ones only
 * when the crawl itself started from such an address, so that a public crawl never probes
 * anyone's private network. Tor, I2P and CJDNS are recorded but need a proxy we do not have.
 */
export function classifyTarget(target: CrawlTarget, followLocal: boolean): 'dial' | 'not-routable' | 'unsupported-network' {
  if (target.network !== 'ipv4' && target.network !== 'ipv6') return 'unsupported-network';
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

/** A crawl actor, not yet started. `classify` defaults to classifyTarget. */
export function createCrawl(
  input: Omit<CrawlInput, 'classify'> & Partial<Pick<CrawlInput, 'classify'>>,
  options: Omit<ActorOptions<CrawlMachine>, 'input'> & { peerMachine?: PeerMachine } = {},
): CrawlActor {
  const { peerMachine, ...actorOptions } = options;
  return createActor(createCrawlMachine(peerMachine), {
    ...actorOptions,
    input: { classify: classifyTarget, ...input, peer: { nonces: processNonces, ...input.peer } },
  });
}
