/**
 * Crawl benchmark client: one createCrawl (src/crawl.ts, the real peer machine over TCP) from one
 * seed host of the lean local network (scale-hosts.ts on 127.41.x.y), timed, with its memory
 * sampled. Started by bench/crawl.ts with --expose-gc, one fresh process per concurrency, so that
 * peaks and baselines belong to one crawl. `kind: 'minimal-chart'` crawls with the least XState chart
 * of the peer's shape (scale-minimal.ts) as the crawl's peer actor: the floor XState sets.
 */
import { performance } from 'node:perf_hooks';
import { toPromise } from 'xstate';
import { createCrawl } from '../../src/crawl.js';
import type { PeerMachine } from '../../machines/peer.js';
import { minimalPeerMachine } from './scale-minimal.js';
import { fdLimits, fullGc, hostAddress, openFds, serve } from './scale-ipc.js';
import type { CrawlRunResult, Memory } from './scale-protocol.js';

/** Memory is sampled this often during the crawl (process.memoryUsage reads /proc: cheap). */
const SAMPLE_MS = 10;

function memory(): Memory {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

serve({
  async run(req): Promise<CrawlRunResult> {
    const second = req.second as number;
    const port = req.port as number;
    const concurrency = req.concurrency as number;
    await fullGc();
    const baseline = memory();
    const peak = { rss: baseline.rss, heapUsed: baseline.heapUsed };
    let peakFds = openFds();
    let samples = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      if (m.rss > peak.rss) peak.rss = m.rss;
      if (m.heapUsed > peak.heapUsed) peak.heapUsed = m.heapUsed;
      // Counting fds lists a directory: every tenth sample is enough.
      if (samples++ % 10 === 0) peakFds = Math.max(peakFds, openFds());
    }, SAMPLE_MS);

    let records = 0;
    let reachableRecords = 0;
    const reachableHosts = new Set<string>();
    const crawl = createCrawl({
      network: 'regtest',
      start: [{ network: 'ipv4', host: hostAddress(second, req.seed as number), port }],
      concurrency,
      maxNodes: 100_000,
      // A host answers getaddr at once; a long wait here would only mean a broken host.
      addrTimeoutMs: 10_000,
      followLocal: true,
      peer: { connectTimeoutMs: 10_000, handshakeTimeoutMs: 10_000 },
    }, req.kind === 'minimal-chart' ? {
      // It emits what the crawl listens to and takes the crawl's peer input; the types differ only in what it ignores.
      peerMachine: minimalPeerMachine as unknown as PeerMachine,
    } : {});
    let peakActive = 0;
    let peakQueued = 0;
    crawl.on('progress', (p) => {
      if (p.active > peakActive) peakActive = p.active;
      if (p.queued > peakQueued) peakQueued = p.queued;
    });
    crawl.on('node', ({ record }) => {
      records++;
      if (record.reachable) {
        reachableRecords++;
        reachableHosts.add(`${record.address}:${record.port}`);
      }
    });
    const cpu = process.cpuUsage();
    const started = performance.now();
    crawl.start();
    const summary = await toPromise(crawl);
    const ms = performance.now() - started;
    const cpuUsed = process.cpuUsage(cpu);
    clearInterval(sampler);
    return {
      concurrency,
      ms,
      summary: {
        heard: summary.heard,
        reachable: summary.reachable,
        unreachable: summary.unreachable,
        interrupted: summary.interrupted,
      },
      records,
      reachableRecords,
      distinctReachable: reachableHosts.size,
      baseline,
      peak,
      maxRss: process.resourceUsage().maxRSS * 1024,
      cpuMs: (cpuUsed.user + cpuUsed.system) / 1e3,
      samples,
      peakActive,
      peakQueued,
      limits: fdLimits(),
      peakFds,
    };
  },
});
