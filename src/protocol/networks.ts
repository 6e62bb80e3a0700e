/** The networks Bitcoin Core knows, as data (src/kernel/chainparams.cpp). */
export type NetworkName = 'mainnet' | 'testnet3' | 'testnet4' | 'signet' | 'regtest';

/** One network's constants. */
export interface Network {
  readonly name: NetworkName;
  /** The four message-start bytes, as they appear on the wire. */
  readonly magic: Buffer;
  readonly defaultPort: number;
  readonly dnsSeeds: readonly string[];
  /** Genesis block hash in the order Core's RPC displays it. */
  readonly genesisHash: string;
}

const network = (
  name: NetworkName,
  magicHex: string,
  defaultPort: number,
  genesisHash: string,
  dnsSeeds: string[],
): Network => Object.freeze({ name, magic: Buffer.from(magicHex, 'hex'), defaultPort, dnsSeeds, genesisHash });

/** Every network Core knows, by name. */
export const NETWORKS: Readonly<Record<NetworkName, Network>> = Object.freeze({
  mainnet: network(
    'mainnet',
    'f9beb4d9',
    8333,
    '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f',
    [
      'seed.bitcoin.sipa.be',
      'dnsseed.bluematt.me',
      'dnsseed.bitcoin.dashjr-list-of-p2p-nodes.us',
      'seed.bitcoinstats.com',
      'seed.bitcoin.jonasschnelli.ch',
      'seed.btc.petertodd.net',
      'seed.bitcoin.sprovoost.nl',
      'dnsseed.emzy.de',
      'seed.bitcoin.wiz.biz',
      'seed.mainnet.achownodes.xyz',
    ],
  ),
  testnet3: network(
    'testnet3',
    '0b110907',
    18333,
    '000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943',
    [
      'testnet-seed.bitcoin.jonasschnelli.ch',
      'seed.tbtc.petertodd.net',
      'seed.testnet.bitcoin.sprovoost.nl',
      'testnet-seed.bluematt.me',
      'seed.testnet.achownodes.xyz',
    ],
  ),
  testnet4: network(
    'testnet4',
    '1c163f28',
    48333,
    '00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043',
    ['seed.testnet4.bitcoin.sprovoost.nl', 'seed.testnet4.wiz.biz'],
  ),
  signet: network(
    'signet',
    '0a03cf40',
    38333,
    '00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6',
    ['seed.signet.bitcoin.sprovoost.nl', 'seed.signet.achownodes.xyz'],
  ),
  regtest: network(
    'regtest',
    'fabfb5da',
    18444,
    '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206',
    [],
  ),
});

/** Accepts the names users type, including `testnet` for testnet3. */
export function networkByName(name: string): Network | undefined {
  const key = name === 'testnet' ? 'testnet3' : name;
  return Object.hasOwn(NETWORKS, key) ? NETWORKS[key as NetworkName] : undefined;
}

/** The network whose magic these four bytes are, if any. */
export function networkByMagic(magic: Uint8Array): Network | undefined {
  return Object.values(NETWORKS).find((n) => n.magic.equals(magic));
}
