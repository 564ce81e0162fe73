/**
 * Putting signed transactions on the wire and finding out where they landed: an idempotent
 * broadcast (a node that already knows the transaction counts as success) and receipt lookups
 * that tell "not mined (yet)" from "mined but reverted".
 */
import { keccak256, type JsonRpcProvider } from 'ethers';

import { classifyChainError } from './classify-error.js';
import { ChainRejectedError, ChainUnavailableError } from './errors.js';

/** Where a record landed. */
export interface ChainReceipt {
  txHash: string;
  blockNumber: number;
}

/**
 * `eth_sendRawTransaction`; returns the transaction's hash. A node that already knows the
 * transaction counts as success, so re-broadcasting the same bytes is safe.
 */
export async function broadcastSignedTx(provider: JsonRpcProvider, raw: string): Promise<string> {
  const txHash = keccak256(raw);
  try {
    await provider.send('eth_sendRawTransaction', [raw]);
  } catch (err) {
    const text = String((err as { message?: unknown })?.message ?? err);
    // geth: "already known"; anvil/reth: "transaction already imported"; others: "known transaction".
    if (/already known|already imported|known transaction/i.test(text)) return txHash;
    throw classifyChainError(err, { txHash });
  }
  return txHash;
}

/** The receipt, or null while the node does not know the transaction; `ChainRejectedError` if it reverted. */
export async function fetchReceipt(provider: JsonRpcProvider, txHash: string): Promise<ChainReceipt | null> {
  let receipt;
  try {
    receipt = await provider.getTransactionReceipt(txHash);
  } catch (err) {
    throw classifyChainError(err, { txHash });
  }
  if (!receipt) return null;
  if (receipt.status === 0) {
    throw new ChainRejectedError(`transaction ${txHash} reverted`, { code: 'CALL_EXCEPTION', txHash, reason: 'reverted' });
  }
  return { txHash: receipt.hash, blockNumber: receipt.blockNumber };
}

/**
 * Calls `lookup` every `pollingIntervalMs` until it finds the receipt; after `timeoutMs` throws
 * `ChainUnavailableError` (code `TIMEOUT`, with `txHash`: the transaction may still be mined).
 */
export async function pollForReceipt(
  lookup: (txHash: string) => Promise<ChainReceipt | null>,
  txHash: string,
  timeoutMs: number,
  pollingIntervalMs: number,
): Promise<ChainReceipt> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await lookup(txHash);
    if (receipt) return receipt;
    if (Date.now() >= deadline) {
      throw new ChainUnavailableError(`no receipt for ${txHash} within ${timeoutMs} ms`, { code: 'TIMEOUT', txHash });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollingIntervalMs, Math.max(0, deadline - Date.now()))));
  }
}
