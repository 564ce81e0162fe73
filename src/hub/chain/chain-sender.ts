/**
 * The hub's one on-chain signer: sends DecisionLogger / TradeLogger records from a single hot
 * wallet and waits for their receipts. One sender per process — it serialises broadcasts
 * through a mutex around an ethers `NonceManager`, so concurrent callers never race on nonces,
 * and it resynchronises the nonce from the node after any failure (node restart, dropped tx).
 *
 * Every failure surfaces as `ChainUnavailableError` (retry later) or `ChainRejectedError`
 * (give up); see errors.ts. Nothing connects until the first call.
 */
import { Mutex } from 'async-mutex';
import { NonceManager, Wallet, getAddress, keccak256, type Interface, type JsonRpcProvider } from 'ethers';

import { classifyChainError } from './classify-error.js';
import { loggerInterface } from './contracts.js';
import { decisionCallArgs, tradeCallArgs, type DecisionRecord, type TradeRecord } from './encoding.js';
import { ChainRejectedError, ChainUnavailableError } from './errors.js';
import { connectProvider } from './rpc.js';

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

/** Where a record landed. */
export interface ChainReceipt {
  txHash: string;
  blockNumber: number;
}

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

/** One record to sign, for `prepareMany`. */
export type ChainTxRequest = { kind: 'decision'; record: DecisionRecord } | { kind: 'trade'; record: TradeRecord };

/** Result of one request of `prepareMany`, in request order. */
export type PrepareOutcome =
  | { ok: true; tx: PreparedChainTx }
  | { ok: false; error: ChainRejectedError | ChainUnavailableError };

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

interface Connection {
  provider: JsonRpcProvider;
  signer: NonceManager;
  chainId: number;
}

/** Builds a sender. Validates the key and addresses now; connects lazily. */
export function createChainSender(options: ChainSenderOptions): ChainSender {
  const receiptTimeoutMs = options.receiptTimeoutMs ?? 60_000;
  const rpcTimeoutMs = options.rpcTimeoutMs ?? 15_000;
  const pollingIntervalMs = options.pollingIntervalMs ?? 1_000;
  const wallet = new Wallet(options.privateKey);
  const decisionLogger = getAddress(options.decisionLoggerAddress);
  const tradeLogger = getAddress(options.tradeLoggerAddress);
  const decisionIface = loggerInterface('DecisionLogger');
  const tradeIface = loggerInterface('TradeLogger');
  const sendLock = new Mutex();
  let connecting: Promise<Connection> | null = null;
  let closed = false;
  let connection: Connection | null = null;

  function connect(): Promise<Connection> {
    if (closed) return Promise.reject(new ChainUnavailableError('chain sender is closed', { code: 'CLOSED' }));
    connecting ??= (async () => {
      const provider = await connectProvider(options.rpcUrl, { chainId: options.chainId, rpcTimeoutMs, pollingIntervalMs });
      const chainId = Number((await provider.getNetwork()).chainId);
      const conn: Connection = { provider, signer: new NonceManager(wallet.connect(provider)), chainId };
      if (closed) provider.destroy();
      connection = conn;
      return conn;
    })().catch((err: unknown) => {
      connecting = null;
      throw classifyChainError(err);
    });
    return connecting;
  }

  async function send(to: string, iface: Interface, data: string): Promise<ChainReceipt> {
    const { signer } = await connect();
    const tx = await sendLock.runExclusive(async () => {
      try {
        // Resolve the nonce before sending: NonceManager.sendTransaction starts its nonce
        // lookup without awaiting it when populating fails, leaving an unhandled rejection.
        await signer.getNonce('pending');
        return await signer.sendTransaction({ to, data });
      } catch (err) {
        // The NonceManager counted this nonce already; forget the count so the next send asks
        // the node again (the node may have restarted and lost pending transactions).
        signer.reset();
        throw classifyChainError(err, { iface });
      }
    });
    try {
      const receipt = await tx.wait(1, receiptTimeoutMs);
      if (!receipt) throw new ChainUnavailableError('no receipt', { txHash: tx.hash });
      return { txHash: receipt.hash, blockNumber: receipt.blockNumber };
    } catch (err) {
      await sendLock.runExclusive(() => signer.reset());
      throw classifyChainError(err, { txHash: tx.hash, iface });
    }
  }

  function decisionData(record: DecisionRecord): string {
    try {
      const a = decisionCallArgs(record);
      return decisionIface.encodeFunctionData('logDecision', [
        a.sessionId, a.symbol, a.action, a.strategy, a.confidenceBps, a.pnlBps, a.reasoningHash,
      ]);
    } catch (err) {
      throw classifyChainError(err);
    }
  }

  function tradeData(record: TradeRecord): string {
    try {
      const a = tradeCallArgs(record);
      return tradeIface.encodeFunctionData('logTrade', [
        a.sessionId, a.symbol, a.side, a.entryPrice, a.exitPrice, a.pnlBps, a.detailHash,
      ]);
    } catch (err) {
      throw classifyChainError(err);
    }
  }

  async function prepare(to: string, iface: Interface, data: string): Promise<PreparedChainTx> {
    const { signer, chainId } = await connect();
    return sendLock.runExclusive(async () => {
      try {
        const nonce = await signer.getNonce('pending');
        const populated = await signer.signer.populateTransaction({ to, data, nonce });
        const raw = await signer.signer.signTransaction(populated);
        // Counted only once signed: a failure above leaves the nonce free for the next call.
        signer.increment();
        return { txHash: keccak256(raw), nonce, raw, chainId };
      } catch (err) {
        signer.reset();
        throw classifyChainError(err, { iface });
      }
    });
  }

  async function prepareMany(requests: ChainTxRequest[]): Promise<PrepareOutcome[]> {
    const outcomes: PrepareOutcome[] = new Array(requests.length);
    let conn: Connection;
    try {
      conn = await connect();
    } catch (err) {
      const error = classifyChainError(err);
      return requests.map(() => ({ ok: false as const, error }));
    }
    const { signer, provider } = conn;
    const calls = requests.map((r) => {
      try {
        return r.kind === 'decision'
          ? { to: decisionLogger, iface: decisionIface, data: decisionData(r.record) }
          : { to: tradeLogger, iface: tradeIface, data: tradeData(r.record) };
      } catch (err) {
        return classifyChainError(err);
      }
    });
    // Gas does not depend on the nonce: estimate concurrently, a few requests at a time.
    const gasLimits: Array<bigint | ChainRejectedError | ChainUnavailableError> = new Array(requests.length);
    let next = 0;
    const estimateWorker = async (): Promise<void> => {
      for (let i = next++; i < calls.length; i = next++) {
        const call = calls[i];
        if (!('to' in call)) {
          gasLimits[i] = call;
          continue;
        }
        try {
          gasLimits[i] = await provider.estimateGas({ from: wallet.address, to: call.to, data: call.data });
        } catch (err) {
          gasLimits[i] = classifyChainError(err, { iface: call.iface });
        }
      }
    };
    let feeError: ChainUnavailableError | ChainRejectedError | null = null;
    const [fees] = await Promise.all([
      provider.getFeeData().catch((err: unknown) => {
        feeError = classifyChainError(err);
        return null;
      }),
      ...Array.from({ length: Math.min(8, calls.length) }, estimateWorker),
    ]);
    await sendLock.runExclusive(async () => {
      let stop: ChainRejectedError | ChainUnavailableError | null = feeError;
      for (let i = 0; i < requests.length; i++) {
        const call = calls[i];
        const gasLimit = gasLimits[i];
        if (stop) {
          outcomes[i] = { ok: false, error: stop };
          continue;
        }
        if (!('to' in call) || typeof gasLimit !== 'bigint') {
          const error = 'to' in call ? (gasLimit as ChainRejectedError | ChainUnavailableError) : call;
          outcomes[i] = { ok: false, error };
          if (error instanceof ChainUnavailableError) stop = error;
          continue;
        }
        try {
          const nonce = await signer.getNonce('pending');
          const feeFields =
            fees?.maxFeePerGas != null && fees.maxPriorityFeePerGas != null
              ? { type: 2, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas }
              : { type: 0, gasPrice: fees?.gasPrice ?? undefined };
          const populated = await signer.signer.populateTransaction({ to: call.to, data: call.data, nonce, gasLimit, ...feeFields });
          const raw = await signer.signer.signTransaction(populated);
          signer.increment();
          outcomes[i] = { ok: true, tx: { txHash: keccak256(raw), nonce, raw, chainId: conn.chainId } };
        } catch (err) {
          signer.reset();
          const error = classifyChainError(err, { iface: call.iface });
          outcomes[i] = { ok: false, error };
          if (error instanceof ChainUnavailableError) stop = error;
        }
      }
    });
    return outcomes;
  }

  async function lookupReceipt(txHash: string): Promise<ChainReceipt | null> {
    const { provider } = await connect();
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

  return {
    address: wallet.address,

    prepareDecision: (record) => Promise.resolve().then(() => prepare(decisionLogger, decisionIface, decisionData(record))),
    prepareTrade: (record) => Promise.resolve().then(() => prepare(tradeLogger, tradeIface, tradeData(record))),
    prepareMany,

    async broadcast(raw) {
      const { provider } = await connect();
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
    },

    async waitForReceipt(txHash, timeoutMs = receiptTimeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const receipt = await lookupReceipt(txHash);
        if (receipt) return receipt;
        if (Date.now() >= deadline) {
          throw new ChainUnavailableError(`no receipt for ${txHash} within ${timeoutMs} ms`, { code: 'TIMEOUT', txHash });
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(pollingIntervalMs, Math.max(0, deadline - Date.now()))));
      }
    },

    async resetNonce() {
      await sendLock.runExclusive(() => connection?.signer.reset());
    },

    async sendDecision(record) {
      return send(decisionLogger, decisionIface, decisionData(record));
    },

    async sendTrade(record) {
      return send(tradeLogger, tradeIface, tradeData(record));
    },

    lookupReceipt,

    async status() {
      const { provider, chainId } = await connect();
      try {
        const [blockNumber, balanceWei] = await Promise.all([
          provider.getBlockNumber(),
          provider.getBalance(wallet.address),
        ]);
        return { chainId, blockNumber, balanceWei };
      } catch (err) {
        throw classifyChainError(err);
      }
    },

    close() {
      closed = true;
      connection?.provider.destroy();
      connection = null;
    },
  };
}

