// What a scripted peer serves to `getheaders`: its own chain of headers on the network's genesis, as Core answers.
import { headerHash } from '../../src/chain/header.js';
import { CHAIN_PARAMS } from '../../src/chain/params.js';
import { MAX_HEADERS_RESULTS } from '../../src/protocol/limits.js';
import type { Network } from '../../src/protocol/networks.js';

/**
 * A chain of raw 80-byte headers (the first builds on the network's genesis, each on the one
 * before; hostile chains need not) and the answer Core gives a locator: the headers after the
 * first locator hash it knows (the genesis at worst), at most `perMessage` of them, none when the
 * locator already names its tip.
 */
export class HeaderServer {
  private readonly heightOf = new Map<string, number>();
  /** Headers sent so far, over every connection. */
  served = 0;

  constructor(
    network: Network,
    readonly headers: readonly Buffer[],
    private readonly perMessage: number = MAX_HEADERS_RESULTS,
  ) {
    this.heightOf.set(headerHash(CHAIN_PARAMS[network.name].genesisHeader).toString('hex'), 0);
    headers.forEach((h, i) => this.heightOf.set(headerHash(h).toString('hex'), i + 1));
  }

  /** The headers a `getheaders` with this locator gets, counted as served. */
  answer(locator: readonly Buffer[]): Buffer[] {
    let from = 0;
    for (const hash of locator) {
      const height = this.heightOf.get(hash.toString('hex'));
      if (height !== undefined) {
        from = height;
        break;
      }
    }
    const out = this.headers.slice(from, from + this.perMessage);
    this.served += out.length;
    return out;
  }
}
