// Consensus constants of Bitcoin Core (src/consensus/consensus.h, amount.h, validation.h, BIP141).

/** The most weight units a block may have (BIP141; Core's MAX_BLOCK_WEIGHT). */
export const MAX_BLOCK_WEIGHT = 4_000_000;

/** A non-witness byte weighs this many units, a witness byte one (Core's WITNESS_SCALE_FACTOR). */
export const WITNESS_SCALE_FACTOR = 4;

/** Legacy signature operations a block may hold, scaled by WITNESS_SCALE_FACTOR (Core's MAX_BLOCK_SIGOPS_COST). */
export const MAX_BLOCK_SIGOPS_COST = 80_000;

/** Satoshis in one bitcoin. */
export const COIN = 100_000_000n;

/** No amount may exceed this many satoshis: 21 million bitcoin (Core's MAX_MONEY, a sanity bound, not the supply). */
export const MAX_MONEY = 21_000_000n * COIN;

/** The shortest output script that can hold a witness commitment: OP_RETURN, a 36-byte push, the tag, the hash. */
export const MINIMUM_WITNESS_COMMITMENT = 38;

/** What a witness commitment script starts with: OP_RETURN, push 36 bytes, then the tag 0xaa21a9ed (BIP141). */
export const WITNESS_COMMITMENT_HEADER: Buffer = Buffer.from('6a24aa21a9ed', 'hex');

/** The shortest coinbase scriptSig (Core's CheckTransaction, `bad-cb-length`). */
export const MIN_COINBASE_SCRIPT_SIZE = 2;
/** The longest coinbase scriptSig (Core's CheckTransaction, `bad-cb-length`). */
export const MAX_COINBASE_SCRIPT_SIZE = 100;
