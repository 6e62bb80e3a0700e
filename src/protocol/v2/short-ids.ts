// BIP324's one-byte message type ids, both ways.

/**
 * The message types BIP324 gives a one-byte id, at their id (1 `addr` … 28 `addrv2`); index 0 is the
 * marker for a 12-byte message type that follows.
 */
export const V2_SHORT_IDS: readonly string[] = [
  '',
  'addr',
  'block',
  'blocktxn',
  'cmpctblock',
  'feefilter',
  'filteradd',
  'filterclear',
  'filterload',
  'getblocks',
  'getblocktxn',
  'getdata',
  'getheaders',
  'headers',
  'inv',
  'mempool',
  'merkleblock',
  'notfound',
  'ping',
  'pong',
  'sendcmpct',
  'tx',
  'getcfilters',
  'cfilter',
  'getcfheaders',
  'cfheaders',
  'getcfcheckpt',
  'cfcheckpt',
  'addrv2',
];

/**
 * Ids BIP324's table assigns to Erlay (BIP330) messages, which nothing implements yet. As in Bitcoin
 * Core, they are never sent, and a packet that uses one is ignored like any unknown id.
 */
export const V2_RESERVED_SHORT_IDS: ReadonlyMap<number, string> = new Map([
  [29, 'reqrecon'],
  [30, 'sketch'],
  [31, 'reqsketchext'],
  [32, 'reconcildiff'],
]);

const ID_OF = new Map(V2_SHORT_IDS.map((command, id) => [command, id] as const).filter(([, id]) => id > 0));

/** The one-byte id of `command`, or undefined when it travels as a 12-byte message type. */
export const shortIdOf = (command: string): number | undefined => ID_OF.get(command);

/** The message type a one-byte id stands for, or undefined for 0, reserved and unknown ids. */
export const commandOfShortId = (id: number): string | undefined =>
  id > 0 && id < V2_SHORT_IDS.length ? V2_SHORT_IDS[id] : undefined;
