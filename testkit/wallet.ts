// A key a test owns on regtest: its pay-to-witness-pubkey-hash script (to mine to) and signed
// spends of its outputs, made with @scure/btc-signer, so that a real node accepts them.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { p2wpkh, Transaction } from '@scure/btc-signer';

/** Regtest's address prefixes as Core writes them (bcrt1…). */
export const REGTEST_ADDRESSES = { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef };

/** An output a test key can spend: the txid in RPC order, its index and its amount. */
export interface OwnedOutput {
  txid: string;
  vout: number;
  value: bigint;
}

/** A key derived from a seed phrase: the same phrase gives the same key. */
export class TestKey {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  /** Its P2WPKH output script: what coinbases are paid to. */
  readonly scriptPubKey: Buffer;
  readonly address: string;

  constructor(seed: string) {
    this.privateKey = sha256(new TextEncoder().encode(`btc-statechart test key: ${seed}`));
    this.publicKey = secp256k1.getPublicKey(this.privateKey, true);
    const payment = p2wpkh(this.publicKey, REGTEST_ADDRESSES);
    this.scriptPubKey = Buffer.from(payment.script);
    this.address = payment.address!;
  }

  /** A signed transaction spending `output` back to this key, less `fee`: its serialisation. */
  spend(output: OwnedOutput, fee: bigint): Buffer {
    const tx = new Transaction();
    tx.addInput({ txid: output.txid, index: output.vout, witnessUtxo: { script: this.scriptPubKey, amount: output.value } });
    tx.addOutput({ script: this.scriptPubKey, amount: output.value - fee });
    tx.sign(this.privateKey);
    tx.finalize();
    return Buffer.from(tx.extract());
  }
}
