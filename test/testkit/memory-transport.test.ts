// The in-memory transport behaves as loopback TCP does where the peer machine can tell: opening, data, closes, resets, refusals, a reader that stops.
import { setImmediate } from 'node:timers';
import { describe, expect, it } from 'vitest';
import { type MemoryEnd, MemoryNetwork, type MemorySocketError } from '../../testkit/memory-transport/index.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await turn();
}

/** Everything one end emits, in order. */
function record(end: MemoryEnd): string[] {
  const log: string[] = [];
  end.on('open', () => log.push('open'));
  end.on('data', (chunk) => log.push(`data ${chunk.toString()}`));
  end.on('error', (error: MemorySocketError) => log.push(`error ${error.code}: ${error.message}`));
  end.on('close', () => log.push('close'));
  return log;
}

/** A network with a listener on 127.0.0.1:18444 that accepts everything, and the ends it accepted. */
function accepting(network = new MemoryNetwork()): { network: MemoryNetwork; accepted: MemoryEnd[] } {
  const accepted: MemoryEnd[] = [];
  network.listen({ host: '127.0.0.1', port: 18444 }, (incoming) => accepted.push(incoming.accept()));
  return { network, accepted };
}

describe('the in-memory transport', () => {
  it('opens on accept and carries data both ways, one chunk per write, in order, never before a later turn', async () => {
    const { network, accepted } = accepting();
    const dialler = network.dial({ host: '127.0.0.1', port: 18444 });
    const near = record(dialler);
    expect(dialler.readyState).toBe('opening');
    await turns();
    const far = accepted[0]!;
    const farLog = record(far);
    expect(near).toEqual(['open']);
    expect([far.remoteAddress, far.remotePort]).toEqual([dialler.localAddress, dialler.localPort]);
    expect([dialler.remoteAddress, dialler.remotePort]).toEqual(['127.0.0.1', 18444]);

    expect(dialler.write(Buffer.from('a'))).toBe(true);
    dialler.write(Buffer.from('b'));
    far.write(Buffer.from('c'));
    expect(farLog).toEqual([]);
    await turns();
    expect(farLog).toEqual(['data a', 'data b']);
    expect(near).toEqual(['open', 'data c']);
    expect(network.openEnds).toBe(2);
  });

  it('with immediate delivery, what is written has arrived when write returns', () => {
    const { network, accepted } = accepting(new MemoryNetwork({ delivery: 'immediate' }));
    let near: string[] = [];
    const dialler = network.dial({ host: '127.0.0.1', port: 18444 }, (end) => {
      near = record(end);
    });
    expect(near).toEqual(['open']);
    const farLog = record(accepted[0]!);
    dialler.write(Buffer.from('x'));
    expect(farLog).toEqual(['data x']);
  });

  it('keeps what arrives until someone listens for data, as a net.Socket does', async () => {
    const { network, accepted } = accepting();
    const dialler = network.dial({ host: '127.0.0.1', port: 18444 });
    dialler.on('open', () => dialler.write(Buffer.from('early')));
    await turns();
    const far = accepted[0]!;
    await turns();
    expect(far.readableLength).toBe(5);
    const farLog = record(far);
    await turns();
    expect(farLog).toEqual(['data early']);
  });

  it('refuses a dial nobody listens for, with ECONNREFUSED, and a listener may refuse with any code', async () => {
    const network = new MemoryNetwork();
    const refused = record(network.dial({ host: '127.0.0.1', port: 1 }));
    network.listen({ host: '127.0.0.9', port: 18444 }, (incoming) => incoming.refuse('EHOSTUNREACH'));
    const unreachable = record(network.dial({ host: '127.0.0.9', port: 18444 }));
    await turns();
    expect(refused).toEqual(['error ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1', 'close']);
    expect(unreachable).toEqual(['error EHOSTUNREACH: connect EHOSTUNREACH 127.0.0.9:18444', 'close']);
    expect(network.openEnds).toBe(0);
    expect(network.attempts).toBe(2);
  });

  it('leaves a dial the listener never accepts opening until the dialler gives up; a late accept finds it gone', async () => {
    const network = new MemoryNetwork();
    const pending: Parameters<Parameters<MemoryNetwork['listen']>[1]>[0][] = [];
    const listener = network.listen({ host: '127.0.0.1', port: 0 }, (incoming) => pending.push(incoming));
    expect(listener.port).toBeGreaterThan(0);
    const dialler = network.dial({ host: '127.0.0.1', port: listener.port });
    const log = record(dialler);
    await turns();
    expect(dialler.readyState).toBe('opening');
    expect(network.pendingDials).toBe(1);
    dialler.destroy();
    await turns();
    expect(log).toEqual(['close']);
    expect(network.pendingDials).toBe(0);
    const late = pending[0]!.accept();
    const lateLog = record(late);
    await turns();
    expect(lateLog).toEqual(['close']);
    expect(network.openEnds).toBe(0);
  });

  it('a graceful end from either side: the other reads what was written, then both close', async () => {
    for (const side of ['dialler', 'acceptor'] as const) {
      const { network, accepted } = accepting();
      const dialler = network.dial({ host: '127.0.0.1', port: 18444 });
      const near = record(dialler);
      await turns();
      const far = accepted[0]!;
      const farLog = record(far);
      const [closing, other, otherLog] = side === 'dialler' ? [dialler, far, farLog] : [far, dialler, near];
      closing.write(Buffer.from('last'));
      closing.end();
      expect(closing.write(Buffer.from('too late'))).toBe(false);
      await turns();
      expect(otherLog.filter((e) => e !== 'open')).toEqual(['data last', 'close']);
      expect(other.destroyed).toBe(true);
      expect(closing.destroyed).toBe(true);
      expect(network.openEnds).toBe(0);
    }
  });

  it('destroy closes this side at once; the other still reads what was sent, then closes', async () => {
    const { network, accepted } = accepting();
    const dialler = network.dial({ host: '127.0.0.1', port: 18444 });
    const near = record(dialler);
    await turns();
    const farLog = record(accepted[0]!);
    dialler.write(Buffer.from('sent'));
    dialler.destroy();
    expect(dialler.destroyed).toBe(true);
    await turns();
    expect(near).toEqual(['open', 'close']);
    expect(farLog).toEqual(['data sent', 'close']);
  });

  it('a reset drops what the other side had not read, and it sees ECONNRESET', async () => {
    const { network, accepted } = accepting();
    const dialler = network.dial({ host: '127.0.0.1', port: 18444 });
    const near = record(dialler);
    await turns();
    const far = accepted[0]!;
    far.write(Buffer.from('lost'));
    far.resetAndDestroy();
    await turns();
    expect(near).toEqual(['open', 'error ECONNRESET: read ECONNRESET', 'close']);
    expect(network.openEnds).toBe(0);
  });

  it('a reader that pauses leaves what arrives unread, counted in the writer’s writableLength, until it resumes', async () => {
    const { network, accepted } = accepting();
    const dialler = network.dial({ host: '127.0.0.1', port: 18444 });
    record(dialler);
    await turns();
    const far = accepted[0]!;
    const farLog = record(far);
    far.pause();
    dialler.write(Buffer.alloc(1000, 0x61));
    dialler.write(Buffer.alloc(500, 0x62));
    await turns();
    expect(farLog).toEqual([]);
    expect(dialler.writableLength).toBe(1500);
    // A close behind the unread data waits for it, as TCP's end of stream does.
    dialler.end();
    await turns();
    expect(far.destroyed).toBe(false);
    far.resume();
    await turns();
    expect(farLog.map((e) => e.length)).toEqual([1005, 505, 5]);
    expect(farLog.at(-1)).toBe('close');
    expect(dialler.writableLength).toBe(0);
    expect(network.openEnds).toBe(0);
  });

  it('a listener that closes refuses later dials and leaves open connections alone', async () => {
    const network = new MemoryNetwork();
    const accepted: MemoryEnd[] = [];
    const listener = network.listen({ host: '127.0.0.1', port: 18444 }, (incoming) => accepted.push(incoming.accept()));
    const first = network.dial({ host: '127.0.0.1', port: 18444 });
    const firstLog = record(first);
    await turns();
    listener.close();
    expect(network.isListening({ host: '127.0.0.1', port: 18444 })).toBe(false);
    const second = record(network.dial({ host: '127.0.0.1', port: 18444 }));
    accepted[0]!.write(Buffer.from('still here'));
    await turns();
    expect(firstLog).toEqual(['open', 'data still here']);
    expect(second).toEqual(['error ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:18444', 'close']);
    expect(() => network.listen({ host: '127.0.0.1', port: 18444 }, () => {})).not.toThrow();
    expect(() => network.listen({ host: '127.0.0.1', port: 18444 }, () => {})).toThrow(/EADDRINUSE/);
  });
});
