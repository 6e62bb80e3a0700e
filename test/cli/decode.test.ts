// `bitcoin-node decode`, run in-process through main() (one real process at the end suffices).
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { encodeMessage, frame } from '../../src/protocol/codec.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { runCli } from './run-cli.js';

async function decode(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(['decode', ...args], {
    stdout,
    stderr,
    stdin: Readable.from([stdin]),
    env: {},
    signals: new EventEmitter(),
  });
  return { code, stdout: out, stderr: err };
}

const vectors = JSON.parse(
  readFileSync(new URL('../vectors/sessions/core29-regtest-session.json', import.meta.url), 'utf8'),
) as { messages: { command: string; frameHex: string }[] };
const vector = (command: string): string => vectors.messages.find((m) => m.command === command)!.frameHex;

describe('bitcoin-node decode', () => {
  it('decodes Core’s version with every field by name, recognising regtest by its magic', async () => {
    const { code, stdout } = await decode([vector('version')]);
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({
      network: 'regtest',
      command: 'version',
      payload: {
        version: 70016,
        services: '3081',
        userAgent: '/Satoshi:29.0.0/',
        startHeight: 3,
        relay: true,
      },
    });
    expect(json.payload.receiver).toEqual({ services: '0', host: '::', port: 0 });
  });

  it('shows header hashes in RPC order and addrv2 hosts as text', async () => {
    const headers = JSON.parse((await decode([vector('headers')])).stdout);
    expect(headers.payload.headers[0].prevBlock).toBe(NETWORKS.regtest.genesisHash);
    expect(headers.payload.headers[1].prevBlock).toBe(headers.payload.headers[0].hash);
    const addrv2 = JSON.parse((await decode([vector('addrv2')])).stdout);
    expect(addrv2.payload.addresses[0]).toMatchObject({
      network: 'ipv4',
      host: '93.184.11.1',
      port: 8333,
      services: '9',
    });
  });

  it('reads the frame from stdin with -', async () => {
    const { code, stdout } = await decode(['-'], `${vector('ping')}\n`);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      command: 'ping',
      payload: { nonce: expect.stringMatching(/^\d+$/) },
    });
  });

  it('keeps unknown commands as hex', async () => {
    const hex = frame(NETWORKS.mainnet.magic, 'cmpctblock', Buffer.from('0100', 'hex')).toString('hex');
    expect(JSON.parse((await decode([hex])).stdout)).toEqual({
      network: 'mainnet',
      command: 'cmpctblock',
      payload: { hex: '0100' },
    });
  });

  it('exits 1 with the typed error for bad frames', async () => {
    const ping = vector('ping');
    const badChecksum =
      ping.slice(0, 40) + (ping.slice(40, 48) === '00000000' ? '11111111' : '00000000') + ping.slice(48);
    const cases: [string, string][] = [
      [badChecksum, 'bad-checksum'],
      [ping.slice(0, -2), 'truncated'],
      [`${ping}00`, 'trailing-bytes'],
      [`00000000${ping.slice(8)}`, 'bad-magic'],
      [
        encodeMessage(NETWORKS.regtest.magic, { command: 'ping', payload: { nonce: 1n } })
          .subarray(0, 30)
          .toString('hex'),
        'truncated',
      ],
      [frame(NETWORKS.regtest.magic, 'version', Buffer.alloc(10)).toString('hex'), 'truncated'],
      [
        frame(NETWORKS.regtest.magic, 'inv', Buffer.from('fd0100', 'hex')).toString('hex'),
        'non-canonical-compact-size',
      ],
    ];
    for (const [hex, code] of cases) {
      const result = await decode([hex]);
      expect(result.code, code).toBe(1);
      expect(result.stderr).toContain(`[${code}]`);
      expect(result.stdout).toBe('');
    }
    const wrongNetwork = await decode(['--network', 'mainnet', ping]);
    expect(wrongNetwork.code).toBe(1);
    expect(wrongNetwork.stderr).toContain('[bad-magic]');
  });

  it('exits 64 for input that is not hex', async () => {
    for (const input of ['xyz', 'abc', '']) {
      const result = await decode([input]);
      expect(result.code).toBe(64);
    }
  });

  it('works as a real process', async () => {
    const { code, stdout } = await runCli(['decode', vector('verack')]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ network: 'regtest', command: 'verack', payload: {} });
  });
});
