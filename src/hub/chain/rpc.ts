/**
 * JSON-RPC plumbing shared by the sender and the deploy script: a provider that never hangs
 * when the node is down (ethers' default network detection retries forever).
 */
import { FetchRequest, JsonRpcProvider, Network } from 'ethers';

import { ChainRejectedError, ChainUnavailableError } from './errors.js';

export interface ProviderOptions {
  /** Expected chain id; a node serving another chain is refused with `ChainRejectedError`. */
  chainId?: number;
  /** Timeout of each JSON-RPC request, in ms. Default 15 000. */
  rpcTimeoutMs?: number;
  /** Polling interval for receipts and events, in ms. Default 1 000. */
  pollingIntervalMs?: number;
}

/** `eth_chainId` with one plain HTTP request. Throws `ChainUnavailableError` when unreachable. */
export async function readChainId(rpcUrl: string, timeoutMs = 15_000): Promise<number> {
  let body: { result?: unknown };
  try {
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new ChainUnavailableError(`eth_chainId at ${rpcUrl}: HTTP ${res.status}`, { code: 'SERVER_ERROR' });
    body = (await res.json()) as { result?: unknown };
  } catch (err) {
    if (err instanceof ChainUnavailableError) throw err;
    throw new ChainUnavailableError(`eth_chainId at ${rpcUrl} failed: ${(err as Error).message}`, { code: 'NETWORK_ERROR', cause: err });
  }
  if (typeof body.result !== 'string') throw new ChainUnavailableError(`eth_chainId at ${rpcUrl}: malformed answer`, { code: 'BAD_DATA' });
  return Number(BigInt(body.result));
}

/**
 * Asks the node for its chain id, checks it, and returns a provider pinned to that network
 * (`staticNetwork`: no re-detection loop) with ethers' request cache disabled
 * (`cacheTimeout: -1`: an earlier `eth_getTransactionCount` answer is never reused).
 */
export async function connectProvider(rpcUrl: string, options: ProviderOptions = {}): Promise<JsonRpcProvider> {
  const rpcTimeoutMs = options.rpcTimeoutMs ?? 15_000;
  const chainId = await readChainId(rpcUrl, rpcTimeoutMs);
  if (options.chainId !== undefined && chainId !== options.chainId) {
    throw new ChainRejectedError(`RPC ${rpcUrl} serves chain ${chainId}, expected ${options.chainId}`, {
      reason: 'chain-id-mismatch',
    });
  }
  const request = new FetchRequest(rpcUrl);
  request.timeout = rpcTimeoutMs;
  const network = Network.from(chainId);
  return new JsonRpcProvider(request, network, {
    staticNetwork: network,
    cacheTimeout: -1,
    // No JSON-RPC batching: batching stalls every request ~10 ms to collect a batch, and the
    // sender's requests are sequential by design.
    batchMaxCount: 1,
    pollingInterval: options.pollingIntervalMs ?? 1_000,
  });
}
