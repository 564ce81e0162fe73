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
import { NonceManager, Wallet, getAddress, type Interface, type JsonRpcProvider } from 'ethers';

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

  return {
    address: wallet.address,

    async sendDecision(record) {
      let data: string;
      try {
        const a = decisionCallArgs(record);
        data = decisionIface.encodeFunctionData('logDecision', [
          a.sessionId, a.symbol, a.action, a.strategy, a.confidenceBps, a.pnlBps, a.reasoningHash,
        ]);
      } catch (err) {
        throw classifyChainError(err);
      }
      return send(decisionLogger, decisionIface, data);
    },

    async sendTrade(record) {
      let data: string;
      try {
        const a = tradeCallArgs(record);
        data = tradeIface.encodeFunctionData('logTrade', [
          a.sessionId, a.symbol, a.side, a.entryPrice, a.exitPrice, a.pnlBps, a.detailHash,
        ]);
      } catch (err) {
        throw classifyChainError(err);
      }
      return send(tradeLogger, tradeIface, data);
    },

    async lookupReceipt(txHash) {
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
    },

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
