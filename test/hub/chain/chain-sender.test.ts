/**
 * The chain sender against a real anvil node (chain id 133): concurrent sends through one
 * wallet, events read back field by field, reverts, and an RPC outage with nonce resync.
 */
import { Contract, JsonRpcProvider, Wallet, type EventLog } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createChainSender, type ChainReceipt, type ChainSender } from '../../../src/hub/chain/chain-sender.js';
import { deployLoggers, loadArtifact, type LoggerAddresses } from '../../../src/hub/chain/contracts.js';
import {
  INT32_MAX,
  INT32_MIN,
  bytes32ToSymbol,
  hashText,
  sessionIdFor,
  symbolToBytes32,
  type DecisionAction,
  type DecisionRecord,
  type TradeRecord,
  type TradeSide,
} from '../../../src/hub/chain/encoding.js';
import { ChainRejectedError, ChainUnavailableError } from '../../../src/hub/chain/errors.js';
import { connectProvider } from '../../../src/hub/chain/rpc.js';
import { startAnvil, type AnvilHandle } from '../../support/anvil.js';

let anvil: AnvilHandle;
let provider: JsonRpcProvider;
let addresses: LoggerAddresses;
let sender: ChainSender;

function makeSender(overrides: Partial<Parameters<typeof createChainSender>[0]> = {}): ChainSender {
  return createChainSender({
    rpcUrl: anvil.rpcUrl,
    privateKey: anvil.privateKeys[0],
    decisionLoggerAddress: addresses.decisionLogger,
    tradeLoggerAddress: addresses.tradeLogger,
    chainId: 133,
    receiptTimeoutMs: 5_000,
    pollingIntervalMs: 100,
    ...overrides,
  });
}

beforeAll(async () => {
  anvil = await startAnvil({ chainId: 133 });
  provider = await connectProvider(anvil.rpcUrl, { chainId: 133, pollingIntervalMs: 100 });
  addresses = await deployLoggers(new Wallet(anvil.privateKeys[0], provider));
  sender = makeSender();
});

afterAll(async () => {
  sender?.close();
  provider?.destroy();
  await anvil?.stop();
});

const ACTIONS: DecisionAction[] = ['HOLD', 'OPEN_LONG', 'OPEN_SHORT', 'CLOSE', 'ADJUST_TP_SL'];
const SIDES: TradeSide[] = ['OPEN_LONG', 'OPEN_SHORT', 'CLOSE_LONG', 'CLOSE_SHORT'];
/** PnL percents including values far beyond the old int16 limit (±327.67 %) and the clamp. */
const PNL_PCTS = [0, 1.25, -3.5, 327.68, -327.69, 512.34, -987.65, 150_000, 1e12, -1e12];
const clampedBps = (pct: number): number => Math.max(INT32_MIN, Math.min(INT32_MAX, Math.round(pct * 100)));

function decision(i: number): DecisionRecord {
  return {
    agentId: `agent-${i % 5}`,
    symbol: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'][i % 3],
    action: ACTIONS[i % ACTIONS.length],
    strategyIndex: i % 7 === 0 ? 255 : i % 31,
    confidence: (i % 101) / 100,
    pnlPct: PNL_PCTS[i % PNL_PCTS.length],
    reasoningHash: hashText(`reasoning #${i}: ünïcode ok`),
  };
}

function trade(i: number): TradeRecord {
  const side = SIDES[i % SIDES.length];
  const isOpen = side.startsWith('OPEN');
  return {
    agentId: `agent-${i % 5}`,
    symbol: ['BTCUSDT', 'HSKUSDT'][i % 2],
    side,
    entryPrice: i % 2 === 0 ? 64_000.12345678 + i : `0.${String(i).padStart(8, '0')}`,
    exitPrice: isOpen ? null : `${i}.29`,
    pnlPct: isOpen ? 0 : PNL_PCTS[i % PNL_PCTS.length],
    detailHash: hashText(JSON.stringify({ trade: i })),
  };
}

describe('chain sender (anvil, chain 133)', () => {
  it('reports status of the node and the wallet', async () => {
    const status = await sender.status();
    expect(status.chainId).toBe(133);
    expect(status.blockNumber).toBeGreaterThanOrEqual(2);
    expect(status.balanceWei).toBeGreaterThan(0n);
    expect(sender.address).toBe(new Wallet(anvil.privateKeys[0]).address);
  });

  it('sends 100 decisions and 100 trades concurrently and every field reads back', async () => {
    const fromBlock = (await provider.getBlockNumber()) + 1;
    const decisions = Array.from({ length: 100 }, (_, i) => decision(i));
    const trades = Array.from({ length: 100 }, (_, i) => trade(i));
    const results = await Promise.all([...decisions.map((d) => sender.sendDecision(d)), ...trades.map((t) => sender.sendTrade(t))]);
    expect(new Set(results.map((r) => r.txHash)).size).toBe(200);
    for (const r of results) expect(r.blockNumber).toBeGreaterThanOrEqual(fromBlock);

    const decisionLogger = new Contract(addresses.decisionLogger, loadArtifact('DecisionLogger').abi, provider);
    const tradeLogger = new Contract(addresses.tradeLogger, loadArtifact('TradeLogger').abi, provider);
    const decisionEvents = (await decisionLogger.queryFilter('DecisionLogged', fromBlock)) as EventLog[];
    const tradeEvents = (await tradeLogger.queryFilter('TradeLogged', fromBlock)) as EventLog[];
    expect(decisionEvents).toHaveLength(100);
    expect(tradeEvents).toHaveLength(100);

    const byTx = new Map(results.map((r, index) => [r.txHash, index]));
    for (const ev of decisionEvents) {
      const i = byTx.get(ev.transactionHash)!;
      const d = decisions[i];
      expect(ev.blockNumber).toBe(results[i].blockNumber);
      const [sessionId, symbol, action, strategy, confidenceBps, pnlBps, reasoningHash] = ev.args;
      expect(sessionId).toBe(sessionIdFor(d.agentId));
      expect(bytes32ToSymbol(symbol)).toBe(d.symbol);
      expect(Number(action)).toBe(ACTIONS.indexOf(d.action));
      expect(Number(strategy)).toBe(d.strategyIndex);
      expect(Number(confidenceBps)).toBe(Math.round(d.confidence * 10_000));
      expect(Number(pnlBps)).toBe(clampedBps(d.pnlPct));
      expect(reasoningHash).toBe(d.reasoningHash);
    }
    for (const ev of tradeEvents) {
      const i = byTx.get(ev.transactionHash)! - 100;
      const t = trades[i];
      const [sessionId, symbol, side, entryPrice, exitPrice, pnlBps, detailHash] = ev.args;
      expect(sessionId).toBe(sessionIdFor(t.agentId));
      expect(symbol).toBe(symbolToBytes32(t.symbol));
      expect(Number(side)).toBe(SIDES.indexOf(t.side));
      const expectedEntry = i % 2 === 0 ? BigInt(Math.round((64_000.12345678 + i) * 1e8)) : BigInt(i);
      expect(entryPrice).toBe(expectedEntry);
      expect(exitPrice).toBe(t.exitPrice == null ? 0n : BigInt(i) * 100_000_000n + 29_000_000n);
      expect(Number(pnlBps)).toBe(clampedBps(t.pnlPct));
      expect(detailHash).toBe(t.detailHash);
    }

    // The widening is real: PnL beyond ±327.67 % and the int32 clamp arrived intact.
    const pnls = decisionEvents.map((e) => Number(e.args[5]));
    expect(pnls).toContain(51_234);
    expect(pnls).toContain(-98_765);
    expect(pnls).toContain(15_000_000);
    expect(pnls).toContain(INT32_MAX);
    expect(pnls).toContain(INT32_MIN);

    // The indexed session id filters one agent's history.
    const agent3 = (await decisionLogger.queryFilter(
      decisionLogger.filters.DecisionLogged(sessionIdFor('agent-3')),
      fromBlock,
    )) as EventLog[];
    expect(agent3).toHaveLength(20);
  }, 30_000);

  it('refuses a sender that is not the owner with a non-retryable error', async () => {
    const stranger = makeSender({ privateKey: anvil.privateKeys[1] });
    try {
      const err = await stranger.sendDecision(decision(1)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChainRejectedError);
      expect((err as ChainRejectedError).details.reason).toBe('NotOwner');
      // The stranger's nonce was reset, so its next attempt fails the same way (not a nonce error).
      await expect(stranger.sendTrade(trade(2))).rejects.toMatchObject({ name: 'ChainRejectedError' });
    } finally {
      stranger.close();
    }
    // The owner's sender is unaffected.
    await expect(sender.sendDecision(decision(3))).resolves.toMatchObject({ txHash: expect.stringMatching(/^0x/) });
  });

  it('rejects invalid records before touching the chain', async () => {
    const err = await sender.sendTrade({ ...trade(0), entryPrice: -1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChainRejectedError);
    expect((err as ChainRejectedError).details.reason).toBe('invalid-input');
  });

  it('refuses a node serving another chain id', async () => {
    const wrong = makeSender({ chainId: 177 });
    await expect(wrong.sendDecision(decision(0))).rejects.toMatchObject({
      name: 'ChainRejectedError',
      details: { reason: 'chain-id-mismatch' },
    });
    wrong.close();
  });

  it('throws ChainUnavailableError while the node is down and resyncs the nonce after restart', async () => {
    const decisionLogger = new Contract(addresses.decisionLogger, loadArtifact('DecisionLogger').abi, provider);
    const session = sessionIdFor('outage-agent');
    const records = Array.from({ length: 20 }, (_, i) => ({
      ...decision(i),
      agentId: 'outage-agent',
      reasoningHash: hashText(`outage ${i}`),
    }));

    // Five land, then the node goes away and the other fifteen are sent concurrently into the
    // outage. (Stopping anvil while a send is mid-flight is not used here: anvil can drop a block
    // mined during its shutdown state dump, which looks like a reorg; the outbox crash tests
    // cover sends interrupted mid-flight.)
    const landed: Array<{ ok: true; receipt: ChainReceipt }> = [];
    for (const r of records.slice(0, 5)) landed.push({ ok: true as const, receipt: await sender.sendDecision(r) });
    await anvil.stop();
    const outcomes = [
      ...landed.map((l) => Promise.resolve(l)),
      ...records.slice(5).map((r) =>
        sender.sendDecision(r).then(
          (receipt) => ({ ok: true as const, receipt }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
      ),
    ];
    const results = await Promise.all(outcomes);
    // Also while it is certainly down: each failed send consumed a NonceManager slot.
    for (let i = 0; i < 3; i++) {
      const err = await sender.sendDecision(decision(i)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChainUnavailableError);
      expect((err as ChainUnavailableError).retryable).toBe(true);
    }
    await expect(sender.status()).rejects.toBeInstanceOf(ChainUnavailableError);
    await expect(sender.lookupReceipt('0x' + '00'.repeat(32))).rejects.toBeInstanceOf(ChainUnavailableError);

    const failed = results.flatMap((r, i) => (r.ok ? [] : [{ i, error: r.error }]));
    expect(results.filter((r) => r.ok).length).toBeGreaterThanOrEqual(5);
    for (const f of failed) expect(f.error).toBeInstanceOf(ChainUnavailableError);

    await anvil.restart();

    // What an outbox worker does: a failure with a tx hash may have landed; check, else resend.
    const resent: ChainReceipt[] = [];
    for (const { i, error } of failed) {
      const txHash = (error as ChainUnavailableError).txHash;
      const landed = txHash ? await sender.lookupReceipt(txHash) : null;
      if (!landed) resent.push(await sender.sendDecision(records[i]));
    }
    // Without a nonce reset the next nonce would be ahead of the node and never be mined.
    const after = await sender.sendDecision({ ...decision(0), agentId: 'after-restart' });
    expect(after.blockNumber).toBeGreaterThan(0);

    // Exactly one event per record: nothing lost, nothing duplicated.
    const events = (await decisionLogger.queryFilter(decisionLogger.filters.DecisionLogged(session), 0)) as EventLog[];
    expect(events.map((e) => e.args[6]).sort()).toEqual(records.map((r) => r.reasoningHash).sort());
    expect(resent.length).toBe(failed.filter((f) => !(f.error as ChainUnavailableError).txHash).length);
  }, 30_000);

  it('closes cleanly; later calls are unavailable', async () => {
    const s = makeSender();
    await s.status();
    s.close();
    await expect(s.sendDecision(decision(0))).rejects.toBeInstanceOf(ChainUnavailableError);
  });
});
