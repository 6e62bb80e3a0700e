// Legacy signature-operation counting (Core's CScript::GetSigOpCount with fAccurate = false), for CheckBlock's sigop limit.

const OP_PUSHDATA1 = 0x4c;
const OP_PUSHDATA2 = 0x4d;
const OP_PUSHDATA4 = 0x4e;
const OP_CHECKSIG = 0xac;
const OP_CHECKSIGVERIFY = 0xad;
const OP_CHECKMULTISIG = 0xae;
const OP_CHECKMULTISIGVERIFY = 0xaf;
/** What an inexact count charges for any CHECKMULTISIG (Core's MAX_PUBKEYS_PER_MULTISIG). */
const MAX_PUBKEYS_PER_MULTISIG = 20;

/**
 * Signature operations in `script` counted the legacy way: CHECKSIG(VERIFY) 1, CHECKMULTISIG(VERIFY)
 * 20, whatever precedes it. Pushed bytes are skipped, not read as opcodes; a push that runs past the
 * end stops the count there, as Core's GetOp does.
 */
export function legacySigOpCount(script: Uint8Array): number {
  let count = 0;
  let at = 0;
  const end = script.length;
  while (at < end) {
    const op = script[at++]!;
    if (op <= OP_PUSHDATA4) {
      let size: number;
      if (op < OP_PUSHDATA1) size = op;
      else if (op === OP_PUSHDATA1) {
        if (end - at < 1) break;
        size = script[at]!;
        at += 1;
      } else if (op === OP_PUSHDATA2) {
        if (end - at < 2) break;
        size = script[at]! | (script[at + 1]! << 8);
        at += 2;
      } else {
        if (end - at < 4) break;
        size = (script[at]! | (script[at + 1]! << 8) | (script[at + 2]! << 16) | (script[at + 3]! << 24)) >>> 0;
        at += 4;
      }
      if (end - at < size) break;
      at += size;
    } else if (op === OP_CHECKSIG || op === OP_CHECKSIGVERIFY) {
      count += 1;
    } else if (op === OP_CHECKMULTISIG || op === OP_CHECKMULTISIGVERIFY) {
      count += MAX_PUBKEYS_PER_MULTISIG;
    }
  }
  return count;
}

/** A transaction's legacy sigops: every scriptSig and every scriptPubKey (Core's GetLegacySigOpCount). */
export function transactionLegacySigOps(tx: {
  readonly inputs: readonly { readonly scriptSig: Uint8Array }[];
  readonly outputs: readonly { readonly scriptPubKey: Uint8Array }[];
}): number {
  let count = 0;
  for (const input of tx.inputs) count += legacySigOpCount(input.scriptSig);
  for (const output of tx.outputs) count += legacySigOpCount(output.scriptPubKey);
  return count;
}
