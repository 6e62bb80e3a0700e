// The behaviours: what a scripted peer does on accept, on the remote's version, after the handshake, and per message.
import { encodeMessage, frame } from '../../src/protocol/codec.js';
import { hashToHex, sha256d } from '../../src/protocol/hash.js';
import { InvType } from '../../src/protocol/messages/inventory.js';
import { encodeHeader, HEADER_SIZE } from '../../src/protocol/header.js';
import { MAX_ADDR_TO_SEND, WTXID_RELAY_VERSION } from '../../src/protocol/limits.js';
import type { Message } from '../../src/protocol/messages/index.js';
import type { VersionPayload } from '../../src/protocol/messages/version.js';
import type { Network } from '../../src/protocol/networks.js';
import { parseBlockHeader } from '../../src/protocol/messages/headers.js';
import type { Connection } from './connection.js';
import type { HeaderServer } from './headers.js';
import { chunks, garbage, makeVersion, otherMagic, randomNonce, toAddrV2 } from './messages.js';
import {
  type AddressSource,
  BAD_CHECKSUM_PING_NONCE,
  type Behaviour,
  MALFORMED_VERSION_LENGTH,
  OLD_PROTOCOL_VERSION,
  OVERSIZED_LENGTH,
  type ScriptedPeerOptions,
  type StreamSocket,
  VALID_PING_NONCE,
} from './types.js';

const isOneOf = (b: Behaviour, ...list: Behaviour[]): boolean => list.includes(b);

/** Behaviours that run the normal handshake. */
const HANDSHAKING: Behaviour[] = [
  'normal',
  'close-mid-message',
  'bad-checksum',
  'old-version',
  'no-pong',
  'echo-nonce',
  'no-read',
];
/** Behaviours that keep answering ping and getaddr after the handshake. */
const ANSWERING: Behaviour[] = ['normal', 'bad-checksum', 'old-version', 'echo-nonce'];

/** The automatic part of every connection of one peer, by the behaviour the connection was accepted with. */
export class BehaviourScript<S extends StreamSocket> {
  /** The blocks served, by hash in RPC order. */
  private readonly blocks = new Map<string, Uint8Array>();

  /** `addresses` and `headers` are read at every request, so that the peer can replace its answers. */
  constructor(
    private readonly network: Network,
    private readonly options: ScriptedPeerOptions<S>,
    private readonly addresses: () => AddressSource<S>,
    private readonly headers: () => HeaderServer | null,
  ) {
    for (const block of options.blocks ?? []) this.blocks.set(hashToHex(sha256d(block.subarray(0, 80))), block);
  }

  /** Right after a connection is accepted, before any of its bytes are read. */
  onAccept(conn: Connection<S>): void {
    switch (conn.behaviour) {
      case 'close-on-accept':
        conn.socket.destroy();
        break;
      case 'garbage':
        conn.sendRaw(garbage(this.network.magic));
        break;
      default:
        break;
    }
  }

  /** Reacts to one decoded message according to the behaviour. */
  react(conn: Connection<S>, message: Message): void {
    const b = conn.behaviour;
    if (message.command === 'version' && !('unknown' in message)) {
      if (conn.remoteVersion) return; // duplicate version: ignored, as Core does
      conn.remoteVersion = message.payload;
      this.onRemoteVersion(conn, message.payload);
      return;
    }
    if (message.command === 'sendaddrv2') conn.remoteWantsAddrv2 = true;
    if (message.command === 'verack') {
      if (conn.receivedVerack) return;
      conn.receivedVerack = true;
      if (conn.handshakeComplete) this.onHandshake(conn);
      return;
    }
    if (!isOneOf(b, ...ANSWERING) || !conn.handshakeComplete) return;
    if (message.command === 'ping' && !('unknown' in message)) {
      conn.send({ command: 'pong', payload: { nonce: message.payload.nonce } });
    } else if (message.command === 'getaddr') {
      this.sendAddresses(conn);
    } else if (message.command === 'getheaders' && !('unknown' in message)) {
      const server = this.headers();
      if (server) conn.send({ command: 'headers', payload: { headers: server.answer(message.payload.locator).map(parseBlockHeader) } });
    } else if (message.command === 'getdata' && !('unknown' in message)) {
      for (const item of message.payload.items) {
        const block = item.type === InvType.BLOCK || item.type === InvType.WITNESS_BLOCK ? this.blocks.get(hashToHex(item.hash)) : undefined;
        if (block) conn.sendRaw(frame(this.network.magic, 'block', block));
      }
    } else if (message.command === 'inv' && !('unknown' in message) && this.options.requestTransactions) {
      const wanted = message.payload.items.filter((i) => i.type === InvType.TX || i.type === InvType.WTX || i.type === InvType.WITNESS_TX);
      if (wanted.length > 0) conn.send({ command: 'getdata', payload: { items: wanted } });
    }
  }

  private versionFor(conn: Connection<S>, remote: VersionPayload): VersionPayload {
    const configured =
      typeof this.options.version === 'function' ? this.options.version(conn) : this.options.version;
    const height = this.headers()?.headers.length ?? 0;
    const version = makeVersion({ startHeight: height, ...configured }, { host: conn.remoteAddress, port: conn.remotePort });
    if (conn.behaviour === 'old-version') version.version = OLD_PROTOCOL_VERSION;
    if (conn.behaviour === 'echo-nonce') version.nonce = remote.nonce;
    return version;
  }

  private onRemoteVersion(conn: Connection<S>, remote: VersionPayload): void {
    const b = conn.behaviour;
    const magic = this.network.magic;
    switch (b) {
      case 'close-after-version':
        conn.socket.destroy();
        return;
      case 'wrong-magic': {
        const version = this.versionFor(conn, remote);
        conn.localVersion = version;
        conn.sendRaw(encodeMessage(otherMagic(this.network), { command: 'version', payload: version }));
        return;
      }
      case 'oversized':
        conn.sendRaw(encodeHeader(magic, 'version', OVERSIZED_LENGTH, Buffer.alloc(4)));
        return;
      case 'malformed-version': {
        const full = encodeMessage(magic, { command: 'version', payload: this.versionFor(conn, remote) });
        const payload = full.subarray(HEADER_SIZE, HEADER_SIZE + MALFORMED_VERSION_LENGTH);
        conn.sendRaw(frame(magic, 'version', payload));
        return;
      }
      default:
        break;
    }
    if (!isOneOf(b, ...HANDSHAKING)) return;
    conn.send({ command: 'version', payload: this.versionFor(conn, remote) });
    if (this.options.negotiate) {
      if (remote.version >= WTXID_RELAY_VERSION) conn.send({ command: 'wtxidrelay', payload: {} });
      conn.send({ command: 'sendaddrv2', payload: {} });
    }
    conn.send({ command: 'verack', payload: {} });
    if (conn.handshakeComplete) this.onHandshake(conn);
  }

  private onHandshake(conn: Connection<S>): void {
    const magic = this.network.magic;
    switch (conn.behaviour) {
      case 'close-mid-message': {
        const ping = encodeMessage(magic, { command: 'ping', payload: { nonce: randomNonce() } });
        conn.sendRaw(ping.subarray(0, HEADER_SIZE + 4));
        conn.close();
        break;
      }
      case 'bad-checksum': {
        const bad = encodeMessage(magic, { command: 'ping', payload: { nonce: BAD_CHECKSUM_PING_NONCE } });
        bad[20] = bad[20]! ^ 0xff;
        const good = encodeMessage(magic, { command: 'ping', payload: { nonce: VALID_PING_NONCE } });
        conn.sendRaw(Buffer.concat([bad, good]));
        break;
      }
      case 'no-read':
        conn.pauseReading();
        break;
      default:
        break;
    }
  }

  private sendAddresses(conn: Connection<S>): void {
    const source = this.addresses();
    const entries = typeof source === 'function' ? source(conn) : source;
    const batches = entries.length === 0 ? [[]] : chunks(entries, MAX_ADDR_TO_SEND);
    for (const batch of batches) {
      if (this.options.addrv2 && conn.remoteWantsAddrv2) {
        conn.send({ command: 'addrv2', payload: { addresses: batch.map(toAddrV2) } });
      } else {
        conn.send({ command: 'addr', payload: { addresses: batch.map((a) => ({ ...a })) } });
      }
    }
  }
}
