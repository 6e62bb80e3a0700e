/**
 * What an XState v5 transition with an action does to the garbage of the events it handles: an
 * actor receives 3,000 events, each carrying 1,000 small objects, and V8 reports (--trace-gc-nvp)
 * how many bytes survived each young-generation collection. With no action on the transition next
 * to nothing survives; with one, the events' objects survive and are promoted, to be freed only by
 * a full collection. The peer empties what its events carried once handled (src/actors/codec.ts,
 * machines/peer/emit-run.ts) because of this. A diagnostic that prints, asserts nothing.
 *
 *   node --import tsx bench/tools/xstate-retention.ts
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createActor, enqueueActions, setup } from 'xstate';

type Variant = 'no action' | 'a plain action' | 'an enqueueActions action';
const VARIANTS: readonly Variant[] = ['no action', 'a plain action', 'an enqueueActions action'];

function receive(variant: Variant): void {
  const machine = setup({
    actions: { plain: () => {}, queued: enqueueActions(() => {}) },
  }).createMachine({
    on: {
      CARRY:
        variant === 'no action' ? {} : { actions: variant === 'a plain action' ? 'plain' : 'queued' },
    },
  });
  const actor = createActor(machine).start();
  for (let r = 0; r < 3000; r++) {
    const objects: { index: number; list: number[] }[] = [];
    for (let i = 0; i < 1000; i++) objects.push({ index: i, list: [i] });
    actor.send({ type: 'CARRY', objects } as { type: 'CARRY' });
  }
  actor.stop();
}

const variant = process.argv[2] as Variant | undefined;
if (variant) {
  receive(variant);
} else {
  for (const v of VARIANTS) {
    const out = execFileSync(process.execPath, ['--trace-gc-nvp', '--import', 'tsx', fileURLToPath(import.meta.url), v], {
      encoding: 'utf8',
    });
    const survived = [...out.matchAll(/gc=s .*?new_space_survived=(\d+)/g)].map((m) => Number(m[1]));
    const mean = survived.reduce((a, b) => a + b, 0) / Math.max(1, survived.length);
    console.log(`${v.padEnd(26)} ${survived.length} scavenges, ${(mean / 2 ** 20).toFixed(2)} MB surviving each`);
  }
}
