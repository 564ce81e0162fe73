/**
 * HashKey Chain's published networks: chain id 133 (testnet) and 177 (mainnet), with their
 * public RPC endpoints and block explorers, as HashKey Chain's developer docs list them.
 */

export interface HashKeyNetwork {
  chainId: number;
  name: string;
  rpcUrl: string;
  explorerUrl: string;
}

export const HASHKEY_TESTNET: HashKeyNetwork = {
  chainId: 133,
  name: 'hashkey-testnet',
  rpcUrl: 'https://testnet.hsk.xyz',
  explorerUrl: 'https://testnet-explorer.hsk.xyz',
};

export const HASHKEY_MAINNET: HashKeyNetwork = {
  chainId: 177,
  name: 'hashkey-mainnet',
  rpcUrl: 'https://mainnet.hsk.xyz',
  explorerUrl: 'https://hashkey.blockscout.com',
};

const BY_CHAIN_ID = new Map<number, HashKeyNetwork>([
  [HASHKEY_TESTNET.chainId, HASHKEY_TESTNET],
  [HASHKEY_MAINNET.chainId, HASHKEY_MAINNET],
]);

/** The known HashKey network for a chain id, or undefined (e.g. a local anvil on 31337). */
export function hashKeyNetwork(chainId: number): HashKeyNetwork | undefined {
  return BY_CHAIN_ID.get(chainId);
}

/** Explorer link for a transaction, or undefined when the chain has no known explorer. */
export function explorerTxUrl(chainId: number, txHash: string): string | undefined {
  const network = BY_CHAIN_ID.get(chainId);
  return network ? `${network.explorerUrl}/tx/${txHash}` : undefined;
}

/** Explorer link for an address (contract or wallet), or undefined for unknown chains. */
export function explorerAddressUrl(chainId: number, address: string): string | undefined {
  const network = BY_CHAIN_ID.get(chainId);
  return network ? `${network.explorerUrl}/address/${address}` : undefined;
}
