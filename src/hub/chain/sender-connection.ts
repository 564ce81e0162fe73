/**
 * The chain sender's one JSON-RPC connection, opened lazily: the first call connects (and checks
 * the chain id), a failed attempt is forgotten so the next call tries again, and after
 * `close()` every call fails with `ChainUnavailableError` (code `CLOSED`).
 */
import { NonceManager, type JsonRpcProvider, type Wallet } from 'ethers';

import { classifyChainError } from './classify-error.js';
import { ChainUnavailableError } from './errors.js';
import { connectProvider } from './rpc.js';

/** The provider, the wallet's nonce-counting signer, and the chain id the node reported. */
export interface ChainConnection {
  provider: JsonRpcProvider;
  signer: NonceManager;
  chainId: number;
}

export interface ChainConnector {
  /** The connection, opening it on first use; throws `ChainUnavailableError`/`ChainRejectedError`. */
  connect(): Promise<ChainConnection>;
  /** The open connection, or null before the first successful `connect()` and after `close()`. */
  current(): ChainConnection | null;
  /** Releases the provider; later `connect()` calls fail. */
  close(): void;
}

export interface ChainConnectorOptions {
  rpcUrl: string;
  /** Expected chain id; when omitted, whatever the node reports is used. */
  chainId?: number;
  /** Timeout of each JSON-RPC request, in ms. */
  rpcTimeoutMs: number;
  /** Receipt polling interval, in ms. */
  pollingIntervalMs: number;
}

export function createChainConnector(wallet: Wallet, options: ChainConnectorOptions): ChainConnector {
  let connecting: Promise<ChainConnection> | null = null;
  let closed = false;
  let connection: ChainConnection | null = null;

  function connect(): Promise<ChainConnection> {
    if (closed) return Promise.reject(new ChainUnavailableError('chain sender is closed', { code: 'CLOSED' }));
    connecting ??= (async () => {
      const { rpcUrl, chainId: expected, rpcTimeoutMs, pollingIntervalMs } = options;
      const provider = await connectProvider(rpcUrl, { chainId: expected, rpcTimeoutMs, pollingIntervalMs });
      const chainId = Number((await provider.getNetwork()).chainId);
      const conn: ChainConnection = { provider, signer: new NonceManager(wallet.connect(provider)), chainId };
      if (closed) provider.destroy();
      connection = conn;
      return conn;
    })().catch((err: unknown) => {
      connecting = null;
      throw classifyChainError(err);
    });
    return connecting;
  }

  return {
    connect,
    current: () => connection,
    close() {
      closed = true;
      connection?.provider.destroy();
      connection = null;
    },
  };
}
