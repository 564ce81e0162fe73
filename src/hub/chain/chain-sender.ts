/**
 * The hub's one on-chain signer: sends DecisionLogger / TradeLogger records from a single hot
 * wallet and waits for their receipts. One sender per process — it serialises broadcasts
 * through a mutex around an ethers `NonceManager` (nonce-signing.ts), so concurrent callers
 * never race on nonces, and it resynchronises the nonce from the node after any failure (node
 * restart, dropped tx).
 *
 * The parts: sender-connection.ts (lazy RPC connection), contract-calls.ts (record → calldata),
 * nonce-signing.ts (signing and nonce management), tx-broadcast.ts (broadcast and receipts).
 * Every failure surfaces as `ChainUnavailableError` (retry later) or `ChainRejectedError`
 * (give up); see errors.ts and classify-error.ts. Nothing connects until the first call.
 */
import { Wallet } from 'ethers';

import { classifyChainError } from './classify-error.js';
import { createLoggerContractCalls, type ContractCall } from './contract-calls.js';
import type { DecisionRecord, TradeRecord } from './encoding.js';
import { createNonceSigner, type PrepareOutcome, type PreparedChainTx } from './nonce-signing.js';
import { createChainConnector } from './sender-connection.js';
import { broadcastSignedTx, fetchReceipt, pollForReceipt, type ChainReceipt } from './tx-broadcast.js';

export type { ChainReceipt } from './tx-broadcast.js';
export type { PrepareOutcome, PreparedChainTx } from './nonce-signing.js';

export interface ChainSenderOptions {
  /** JSON-RPC endpoint, e.g. https://testnet.hsk.xyz */
  rpcUrl: string;
  /** 0x-prefixed hex private key of the wallet that owns both loggers. */
  privateKey: string;
  decisionLoggerAddress: string;
  tradeLoggerAddress: string;
  /** Expected chain id (133 testnet, 177 mainnet). Checked against the node on first use; when omitted, whatever the node reports is used. */
  chainId?: number;
  /** How long to wait for a receipt after broadcasting, in ms. Default 60 000. */
  receiptTimeoutMs?: number;
  /** Timeout of each JSON-RPC request, in ms. Default 15 000. */
  rpcTimeoutMs?: number;
  /** Receipt polling interval, in ms. Default 1 000 (HashKey Chain blocks are 2 s). */
  pollingIntervalMs?: number;
}

/** One record to sign, for `prepareMany`. */
export type ChainTxRequest = { kind: 'decision'; record: DecisionRecord } | { kind: 'trade'; record: TradeRecord };

/** Node status, for health checks. */
export interface ChainStatus {
  chainId: number;
  blockNumber: number;
  /** The sender wallet's balance in wei. */
  balanceWei: bigint;
}

export interface ChainSender {
  /** Checksummed address of the sending wallet. */
  readonly address: string;
  /** Logs a decision; resolves after 1 confirmation. */
  sendDecision(record: DecisionRecord): Promise<ChainReceipt>;
  /** Logs a trade; resolves after 1 confirmation. */
  sendTrade(record: TradeRecord): Promise<ChainReceipt>;
  /**
   * The receipt of an earlier broadcast (see `ChainUnavailableError.txHash`), or null when the
   * node does not know the transaction (yet). Throws `ChainRejectedError` if it was mined but
   * reverted.
   */
  lookupReceipt(txHash: string): Promise<ChainReceipt | null>;
  /**
   * Two-phase sending, step 1: encodes, estimates gas, takes the next nonce and signs — without
   * broadcasting. The nonce counts as used from now on; call `resetNonce()` if the transaction
   * is then never broadcast. Throws `ChainRejectedError` for invalid records or calls that
   * revert (e.g. `NotOwner`), `ChainUnavailableError` when the node cannot be reached.
   */
  prepareDecision(record: DecisionRecord): Promise<PreparedChainTx>;
  prepareTrade(record: TradeRecord): Promise<PreparedChainTx>;
  /**
   * Step 1 for a batch: estimates gas for all requests concurrently, reads fee data once, then
   * signs in request order with consecutive nonces. Requests the chain refuses (bad input, the
   * call reverts) get `ok: false` with a `ChainRejectedError` and take no nonce. At the first
   * `ChainUnavailableError` signing stops: that request and every later one get that error, so
   * the signed ones always form a gap-free nonce run.
   */
  prepareMany(requests: ChainTxRequest[]): Promise<PrepareOutcome[]>;
  /**
   * Step 2: broadcasts a signed transaction and returns its hash. Idempotent: a node that
   * already knows the transaction counts as success. A nonce already used on chain (by this
   * transaction once mined, or by another one) throws `ChainUnavailableError` with
   * `details.code === 'NONCE_EXPIRED'`: check `lookupReceipt` to tell which.
   */
  broadcast(raw: string): Promise<string>;
  /**
   * Step 3: polls until the transaction is mined (1 confirmation). Throws `ChainUnavailableError`
   * (with `txHash`) after `timeoutMs` (default: the sender's receipt timeout), `ChainRejectedError`
   * if it reverted.
   */
  waitForReceipt(txHash: string, timeoutMs?: number): Promise<ChainReceipt>;
  /** Forgets the local nonce count; the next transaction asks the node again. */
  resetNonce(): Promise<void>;
  /** Chain id, head block and wallet balance; throws `ChainUnavailableError` when unreachable. */
  status(): Promise<ChainStatus>;
  /** Stops polling and releases the provider. Later calls throw `ChainUnavailableError`. */
  close(): void;
}

/** Builds a sender. Validates the key and addresses now; connects lazily. */
export function createChainSender(options: ChainSenderOptions): ChainSender {
  const receiptTimeoutMs = options.receiptTimeoutMs ?? 60_000;
  const rpcTimeoutMs = options.rpcTimeoutMs ?? 15_000;
  const pollingIntervalMs = options.pollingIntervalMs ?? 1_000;
  const wallet = new Wallet(options.privateKey);
  const calls = createLoggerContractCalls(options);
  const connector = createChainConnector(wallet, { rpcUrl: options.rpcUrl, chainId: options.chainId, rpcTimeoutMs, pollingIntervalMs });
  const signer = createNonceSigner(connector, { from: wallet.address, receiptTimeoutMs });

  function callFor(request: ChainTxRequest): ContractCall {
    return request.kind === 'decision' ? calls.logDecision(request.record) : calls.logTrade(request.record);
  }

  async function lookupReceipt(txHash: string): Promise<ChainReceipt | null> {
    const { provider } = await connector.connect();
    return fetchReceipt(provider, txHash);
  }

  return {
    address: wallet.address,

    prepareDecision: (record) => Promise.resolve().then(() => signer.prepare(calls.logDecision(record))),
    prepareTrade: (record) => Promise.resolve().then(() => signer.prepare(calls.logTrade(record))),

    prepareMany(requests) {
      const callsOrErrors = requests.map((request) => {
        try {
          return callFor(request);
        } catch (err) {
          return classifyChainError(err);
        }
      });
      return signer.prepareMany(callsOrErrors);
    },

    async broadcast(raw) {
      const { provider } = await connector.connect();
      return broadcastSignedTx(provider, raw);
    },

    waitForReceipt: (txHash, timeoutMs = receiptTimeoutMs) => pollForReceipt(lookupReceipt, txHash, timeoutMs, pollingIntervalMs),

    resetNonce: () => signer.resetNonce(),

    async sendDecision(record) {
      return signer.sendAndConfirm(calls.logDecision(record));
    },

    async sendTrade(record) {
      return signer.sendAndConfirm(calls.logTrade(record));
    },

    lookupReceipt,

    async status() {
      const { provider, chainId } = await connector.connect();
      try {
        const [blockNumber, balanceWei] = await Promise.all([provider.getBlockNumber(), provider.getBalance(wallet.address)]);
        return { chainId, blockNumber, balanceWei };
      } catch (err) {
        throw classifyChainError(err);
      }
    },

    close: () => connector.close(),
  };
}
