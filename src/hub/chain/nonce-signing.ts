/**
 * Signing with the hub's one wallet under one nonce lock. An ethers `NonceManager` counts the
 * wallet's nonces; every use of that count (sign, send, reset) runs inside one mutex, so
 * concurrent callers never race on nonces, and after any failure the count is forgotten so the
 * next transaction asks the node again (node restart, dropped transaction).
 */
import { Mutex } from 'async-mutex';
import { keccak256, type FeeData, type JsonRpcProvider } from 'ethers';

import { classifyChainError } from './classify-error.js';
import type { ContractCall } from './contract-calls.js';
import { ChainUnavailableError, type ChainRejectedError } from './errors.js';
import type { ChainConnection, ChainConnector } from './sender-connection.js';
import type { ChainReceipt } from './tx-broadcast.js';

/**
 * A transaction signed but not (necessarily) broadcast yet: the outbox stores it before
 * broadcasting, so a crash never leaves a transaction on the wire that the database does not know.
 */
export interface PreparedChainTx {
  /** Hash the transaction will have once mined (keccak256 of `raw`). */
  txHash: string;
  /** The sender nonce it consumes. */
  nonce: number;
  /** 0x-prefixed signed transaction, ready for `eth_sendRawTransaction`. */
  raw: string;
  chainId: number;
}

/** Result of one request of `prepareMany`, in request order. */
export type PrepareOutcome = { ok: true; tx: PreparedChainTx } | { ok: false; error: ChainRejectedError | ChainUnavailableError };

type ChainFailure = ChainRejectedError | ChainUnavailableError;

export interface NonceSigner {
  /** Takes the next nonce and signs `call` without broadcasting it (see `ChainSender.prepareDecision`). */
  prepare(call: ContractCall): Promise<PreparedChainTx>;
  /** Signs a batch with consecutive nonces (see `ChainSender.prepareMany`); failures pass through in place. */
  prepareMany(calls: Array<ContractCall | ChainFailure>): Promise<PrepareOutcome[]>;
  /** Signs, broadcasts and waits for 1 confirmation (ethers' own send path). */
  sendAndConfirm(call: ContractCall): Promise<ChainReceipt>;
  /** Forgets the local nonce count; the next transaction asks the node again. */
  resetNonce(): Promise<void>;
}

export function createNonceSigner(connector: ChainConnector, options: { from: string; receiptTimeoutMs: number }): NonceSigner {
  const lock = new Mutex();

  async function prepareMany(calls: Array<ContractCall | ChainFailure>): Promise<PrepareOutcome[]> {
    let conn: ChainConnection;
    try {
      conn = await connector.connect();
    } catch (err) {
      const error = classifyChainError(err);
      return calls.map(() => ({ ok: false as const, error }));
    }
    const [fees, gasLimits] = await Promise.all([readFeeData(conn.provider), estimateGasLimits(conn.provider, options.from, calls)]);
    return lock.runExclusive(() => signInNonceOrder(conn, calls, gasLimits, fees));
  }

  async function sendAndConfirm(call: ContractCall): Promise<ChainReceipt> {
    const { signer } = await connector.connect();
    const tx = await lock.runExclusive(async () => {
      try {
        // Resolve the nonce before sending: NonceManager.sendTransaction starts its nonce
        // lookup without awaiting it when populating fails, leaving an unhandled rejection.
        await signer.getNonce('pending');
        return await signer.sendTransaction({ to: call.to, data: call.data });
      } catch (err) {
        // The NonceManager counted this nonce already; forget the count so the next send asks
        // the node again (the node may have restarted and lost pending transactions).
        signer.reset();
        throw classifyChainError(err, { iface: call.iface });
      }
    });
    try {
      const receipt = await tx.wait(1, options.receiptTimeoutMs);
      if (!receipt) throw new ChainUnavailableError('no receipt', { txHash: tx.hash });
      return { txHash: receipt.hash, blockNumber: receipt.blockNumber };
    } catch (err) {
      await lock.runExclusive(() => signer.reset());
      throw classifyChainError(err, { txHash: tx.hash, iface: call.iface });
    }
  }

  return {
    async prepare(call) {
      const conn = await connector.connect();
      return lock.runExclusive(() => signWithNextNonce(conn, call));
    },
    prepareMany,
    sendAndConfirm,
    async resetNonce() {
      await lock.runExclusive(() => connector.current()?.signer.reset());
    },
  };
}

/**
 * Takes the next nonce, populates and signs `call` (with `fields` such as a precomputed gas
 * limit and fees). Call it holding the nonce lock. On failure the count is reset and the error
 * classified.
 */
async function signWithNextNonce(conn: ChainConnection, call: ContractCall, fields: object = {}): Promise<PreparedChainTx> {
  const { signer, chainId } = conn;
  try {
    const nonce = await signer.getNonce('pending');
    const populated = await signer.signer.populateTransaction({ to: call.to, data: call.data, nonce, ...fields });
    const raw = await signer.signer.signTransaction(populated);
    // Counted only once signed: a failure above leaves the nonce free for the next call.
    signer.increment();
    return { txHash: keccak256(raw), nonce, raw, chainId };
  } catch (err) {
    signer.reset();
    throw classifyChainError(err, { iface: call.iface });
  }
}

/** Fee data read once per batch; a failure becomes the error that stops the whole batch. */
async function readFeeData(provider: JsonRpcProvider): Promise<{ fees: FeeData | null; error: ChainFailure | null }> {
  try {
    return { fees: await provider.getFeeData(), error: null };
  } catch (err) {
    return { fees: null, error: classifyChainError(err) };
  }
}

/** Gas does not depend on the nonce: estimate concurrently, a few requests at a time. */
async function estimateGasLimits(
  provider: JsonRpcProvider,
  from: string,
  calls: Array<ContractCall | ChainFailure>,
): Promise<Array<bigint | ChainFailure>> {
  const gasLimits = new Array<bigint | ChainFailure>(calls.length);
  let next = 0;
  const estimateWorker = async (): Promise<void> => {
    for (let i = next++; i < calls.length; i = next++) {
      const call = calls[i];
      if (!('to' in call)) {
        gasLimits[i] = call;
        continue;
      }
      try {
        gasLimits[i] = await provider.estimateGas({ from, to: call.to, data: call.data });
      } catch (err) {
        gasLimits[i] = classifyChainError(err, { iface: call.iface });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, calls.length) }, estimateWorker));
  return gasLimits;
}

/**
 * Signs the batch in request order with consecutive nonces. Requests the chain refuses take no
 * nonce; at the first `ChainUnavailableError` signing stops and every later request gets that
 * error, so the signed ones always form a gap-free nonce run. Call it holding the nonce lock.
 */
async function signInNonceOrder(
  conn: ChainConnection,
  calls: Array<ContractCall | ChainFailure>,
  gasLimits: Array<bigint | ChainFailure>,
  { fees, error: feeError }: { fees: FeeData | null; error: ChainFailure | null },
): Promise<PrepareOutcome[]> {
  const outcomes = new Array<PrepareOutcome>(calls.length);
  let stop: ChainFailure | null = feeError;
  for (let i = 0; i < calls.length; i++) {
    const call = calls[i];
    const gasLimit = gasLimits[i];
    if (stop) {
      outcomes[i] = { ok: false, error: stop };
      continue;
    }
    if (!('to' in call) || typeof gasLimit !== 'bigint') {
      const error = 'to' in call ? (gasLimit as ChainFailure) : call;
      outcomes[i] = { ok: false, error };
      if (error instanceof ChainUnavailableError) stop = error;
      continue;
    }
    try {
      outcomes[i] = { ok: true, tx: await signWithNextNonce(conn, call, { gasLimit, ...feeFields(fees) }) };
    } catch (err) {
      const error = err as ChainFailure; // classified by signWithNextNonce
      outcomes[i] = { ok: false, error };
      if (error instanceof ChainUnavailableError) stop = error;
    }
  }
  return outcomes;
}

/** EIP-1559 fees when the node reports them, else a legacy gas price. */
function feeFields(fees: FeeData | null): object {
  return fees?.maxFeePerGas != null && fees.maxPriorityFeePerGas != null
    ? { type: 2, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas }
    : { type: 0, gasPrice: fees?.gasPrice ?? undefined };
}
