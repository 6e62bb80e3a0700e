// A scripted peer for HeadersSync tests: answers getheaders from its own header chain, as Core does.
import { headerHash } from '../../src/chain/header.js';
import type { ChainParams } from '../../src/chain/params.js';

/** Serves `headers` (a chain on top of the genesis of `params`) to locators, `perMessage` at a time. */
export class PeerChain {
  private readonly heightOf = new Map<string, number>();

  constructor(
    params: ChainParams,
    public headers: Buffer[],
    private readonly perMessage: number,
  ) {
    this.heightOf.set(headerHash(params.genesisHeader).toString('hex'), 0);
    headers.forEach((h, i) => this.heightOf.set(headerHash(h).toString('hex'), i + 1));
  }

  /** The headers after the first locator entry this peer knows (the genesis at worst). */
  getheaders(locator: readonly Buffer[]): Buffer[] {
    let from = 0;
    for (const hash of locator) {
      const h = this.heightOf.get(hash.toString('hex'));
      if (h !== undefined) {
        from = h;
        break;
      }
    }
    return this.headers.slice(from, from + this.perMessage);
  }
}
