// What the machine emits comes in the order things happened on the wire: our answers to the peer's
// version leave before its verack is read, so they are reported before it and before `connected`.
import { describe, expect, it } from 'vitest';
import { startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { runPeer, testScope } from './harness.js';

const scope = testScope();

describe('message events', () => {
  it('report our negotiation and verack before the peer verack and before connected', async () => {
    const peer = await startScriptedPeer({ negotiate: true });
    scope.cleanups.push(() => peer.close());
    const run = runPeer({ host: peer.host, port: peer.port, connectOnStart: true, maxRetries: 0, getaddr: false });
    scope.cleanups.push(async () => {
      run.actor.send({ type: 'STOP' });
      await run.done;
    });
    await run.waitForState('connected');
    const lines = run.emitted.map((e) =>
      e.type === 'message' ? `${e.direction} ${e.command}` : e.type === 'state' ? `state ${e.state}` : e.type,
    );
    const at = (line: string): number => {
      const i = lines.indexOf(line);
      expect(i, `${line} in ${lines.join(', ')}`).toBeGreaterThan(-1);
      return i;
    };
    expect(at('out version')).toBeLessThan(at('in version'));
    for (const ours of ['out wtxidrelay', 'out sendaddrv2', 'out verack']) {
      expect(at(ours)).toBeGreaterThan(at('in version'));
      expect(at(ours)).toBeLessThan(at('in verack'));
      expect(at(ours)).toBeLessThan(at('state connected'));
    }
    expect(at('in verack')).toBeLessThan(at('state connected'));
  });
});
