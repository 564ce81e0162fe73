/**
 * The chain outbox and its worker against a real anvil node (chain 133) and a private
 * PostgreSQL database: concurrent enqueues, exactly one event per row read back from the
 * chain, rollbacks, an RPC outage, and a "crash" (a new ChainLogger on the same database while
 * rows are left in `sending`).
 */
import { Contract, JsonRpcProvider, Wallet, type EventLog } from 'ethers';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Orm } from '../../../src/db/orm.js';
import { ChainOutboxSchema } from '../../../src/db/entities/chain-outbox.js';
import { exponentialBackoff } from '../../../src/hub/chain/backoff.js';
import {
  createChainLogger,
  createDisabledChainLogger,
  type ChainEntrySent,
  type ChainLogger,
} from '../../../src/hub/chain/chain-logger.js';
import { createChainSender, type ChainSender } from '../../../src/hub/chain/chain-sender.js';
import { deployLoggers, loadArtifact, type LoggerAddresses } from '../../../src/hub/chain/contracts.js';
import {
  DECISION_ACTIONS,
  TRADE_SIDES,
  bytes32ToSymbol,
  hashText,
  pnlBps,
  scalePrice,
  sessionIdFor,
  type DecisionAction,
  type DecisionRecord,
  type TradeRecord,
  type TradeSide,
} from '../../../src/hub/chain/encoding.js';
import { connectProvider } from '../../../src/hub/chain/rpc.js';
import { SIGNED_TX_KEY, enqueueChainEntry } from '../../../src/hub/chain/outbox.js';
import { startAnvil, type AnvilHandle } from '../../support/anvil.js';
import { createTestOrm } from '../../support/db.js';
import { waitUntil } from '../../support/wait.js';

let anvil: AnvilHandle;
let provider: JsonRpcProvider;
let addresses: LoggerAddresses;
let db: Awaited<ReturnType<typeof createTestOrm>>;
let orm: Orm;
const senders: ChainSender[] = [];
const quiet = pino({ level: 'silent' });

function makeSender(): ChainSender {
  const sender = createChainSender({
    rpcUrl: anvil.rpcUrl,
    privateKey: anvil.privateKeys[0],
    decisionLoggerAddress: addresses.decisionLogger,
    tradeLoggerAddress: addresses.tradeLogger,
    chainId: 133,
    receiptTimeoutMs: 5_000,
    rpcTimeoutMs: 2_000,
    pollingIntervalMs: 50,
  });
  senders.push(sender);
  return sender;
}

function makeLogger(sender = makeSender(), overrides: Partial<Parameters<typeof createChainLogger>[0]> = {}): ChainLogger {
  return createChainLogger({
    orm,
    sender,
    logger: quiet,
    pollIntervalMs: 50,
    batchSize: 50,
    receiptTimeoutMs: 5_000,
    backoff: exponentialBackoff({ baseMs: 200, maxMs: 1_000, random: () => 0 }),
    ...overrides,
  });
}

beforeAll(async () => {
  anvil = await startAnvil({ chainId: 133 });
  provider = await connectProvider(anvil.rpcUrl, { chainId: 133, pollingIntervalMs: 50 });
  addresses = await deployLoggers(new Wallet(anvil.privateKeys[0], provider));
  db = await createTestOrm('outbox');
  orm = db.orm;
}, 60_000);

afterAll(async () => {
  for (const s of senders) s.close();
  provider?.destroy();
  await anvil?.stop();
  await db?.close();
});

const ACTIONS = Object.keys(DECISION_ACTIONS).filter((a) => a !== 'KEEP') as DecisionAction[];
const SIDES = Object.keys(TRADE_SIDES) as TradeSide[];

function decision(agent: string, i: number): DecisionRecord {
  return {
    agentId: agent,
    symbol: ['BTCUSDT', 'ETHUSDT', 'HSKUSDT'][i % 3],
    action: ACTIONS[i % ACTIONS.length],
    strategyIndex: i % 9,
    confidence: (i % 100) / 100,
    pnlPct: ((i * 37) % 2000) / 10 - 100,
    reasoningHash: hashText(`${agent} reasoning ${i}`),
  };
}

function trade(agent: string, i: number): TradeRecord {
  const side = SIDES[i % SIDES.length];
  return {
    agentId: agent,
    symbol: 'BTCUSDT',
    side,
    entryPrice: i % 2 ? 64_000.5 + i : `0.000${i}`,
    exitPrice: side.startsWith('OPEN') ? null : `${65_000 + i}.12345678`,
    pnlPct: side.startsWith('OPEN') ? 0 : (i % 50) - 25.25,
    detailHash: hashText(`${agent} trade ${i}`),
  };
}

const decisionContract = (): Contract => new Contract(addresses.decisionLogger, loadArtifact('DecisionLogger').abi, provider);
const tradeContract = (): Contract => new Contract(addresses.tradeLogger, loadArtifact('TradeLogger').abi, provider);

async function decisionEvents(agent: string): Promise<EventLog[]> {
  const c = decisionContract();
  return (await c.queryFilter(c.filters.DecisionLogged(sessionIdFor(agent)), 0)) as EventLog[];
}

async function tradeEvents(agent: string): Promise<EventLog[]> {
  const c = tradeContract();
  return (await c.queryFilter(c.filters.TradeLogged(sessionIdFor(agent)), 0)) as EventLog[];
}

interface Row {
  id: number;
  kind: 'decision' | 'trade';
  payload: Record<string, unknown>;
  status: string;
  txHash: string | null;
  blockNumber: number | null;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date;
  sentAt: Date | null;
}

async function rows(): Promise<Row[]> {
  return (await orm.em.fork().find(ChainOutboxSchema, {}, { orderBy: { id: 'asc' } })) as unknown as Row[];
}

async function drainUntilIdle(logger: ChainLogger, maxPasses = 100): Promise<void> {
  for (let i = 0; i < maxPasses; i++) {
    const r = await logger.drainOnce();
    if (r.claimed === 0) return;
  }
  throw new Error('outbox did not drain');
}

/** Deletes every row so each test reads only its own. */
async function clearOutbox(): Promise<void> {
  await orm.em.fork().getConnection().execute('delete from chain_outbox');
}

describe('chain outbox (anvil + PostgreSQL)', () => {
  it('delivers 100 decisions and 100 trades enqueued from concurrent transactions, one event per row', async () => {
    await clearOutbox();
    const agent = 'bulk-agent';
    // 20 transactions × (5 decisions + 5 trades), all at once.
    await Promise.all(
      Array.from({ length: 20 }, (_, t) =>
        orm.em.fork().transactional(async (em) => {
          for (let k = 0; k < 5; k++) {
            const i = t * 5 + k;
            await enqueueChainEntry(em, 'decision', decision(agent, i));
            await enqueueChainEntry(em, 'trade', trade(agent, i));
          }
        }),
      ),
    );
    expect((await rows()).filter((r) => r.status === 'pending')).toHaveLength(200);

    const logger = makeLogger();
    const sent: ChainEntrySent[] = [];
    logger.onSent((e) => sent.push(e));
    await drainUntilIdle(logger);

    const all = await rows();
    expect(all.map((r) => r.status)).toEqual(Array(200).fill('sent'));
    for (const r of all) {
      expect(r.txHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(r.blockNumber).toBeGreaterThan(0);
      expect(r.sentAt).toBeInstanceOf(Date);
      expect(r.payload[SIGNED_TX_KEY]).toBeUndefined();
    }
    expect(new Set(all.map((r) => r.txHash)).size).toBe(200);

    const byTx = new Map(all.map((r) => [r.txHash!, r]));
    const dEvents = await decisionEvents(agent);
    const tEvents = await tradeEvents(agent);
    expect(dEvents).toHaveLength(100);
    expect(tEvents).toHaveLength(100);
    for (const ev of dEvents) {
      const row = byTx.get(ev.transactionHash)!;
      expect(row.kind).toBe('decision');
      expect(row.blockNumber).toBe(ev.blockNumber);
      const d = row.payload as unknown as DecisionRecord;
      const [, symbol, action, strategy, confidence, pnl, reasoningHash] = ev.args;
      expect(bytes32ToSymbol(symbol)).toBe(d.symbol);
      expect(Number(action)).toBe(DECISION_ACTIONS[d.action]);
      expect(Number(strategy)).toBe(d.strategyIndex);
      expect(Number(confidence)).toBe(Math.round(d.confidence * 10_000));
      expect(Number(pnl)).toBe(pnlBps(d.pnlPct));
      expect(reasoningHash).toBe(d.reasoningHash);
    }
    for (const ev of tEvents) {
      const row = byTx.get(ev.transactionHash)!;
      expect(row.kind).toBe('trade');
      const t = row.payload as unknown as TradeRecord;
      const [, , side, entryPrice, exitPrice, pnl, detailHash] = ev.args;
      expect(Number(side)).toBe(TRADE_SIDES[t.side]);
      expect(entryPrice).toBe(scalePrice(t.entryPrice));
      expect(exitPrice).toBe(t.exitPrice == null ? 0n : scalePrice(t.exitPrice));
      expect(Number(pnl)).toBe(pnlBps(t.pnlPct));
      expect(detailHash).toBe(t.detailHash);
    }
    // Every hash exactly once on chain.
    expect(new Set(dEvents.map((e) => e.args[6])).size).toBe(100);
    expect(new Set(tEvents.map((e) => e.args[6])).size).toBe(100);

    expect(sent).toHaveLength(200);
    expect(new Set(sent.map((e) => e.outboxId)).size).toBe(200);
    const first = sent[0];
    expect(first.explorerUrl).toBe(`https://testnet-explorer.hsk.xyz/tx/${first.txHash}`);
    expect(byTx.get(first.txHash)?.id).toBe(first.outboxId);
    // Each event carries its entry's record, so listeners know the agent (chain-events.ts).
    for (const e of sent) expect(e.record).toEqual(byTx.get(e.txHash)!.payload);
    expect(logger.stats()).toMatchObject({ enabled: true, sent: 200, failed: 0, retried: 0 });
    expect(await logger.backlog()).toEqual({ pending: 0, sending: 0, sent: 200, failed: 0 });
  }, 60_000);

  it('an entry enqueued in a transaction that rolls back never reaches the chain', async () => {
    await clearOutbox();
    const agent = 'rollback-agent';
    await expect(
      orm.em.fork().transactional(async (em) => {
        await enqueueChainEntry(em, 'decision', decision(agent, 1));
        throw new Error('trade insert failed');
      }),
    ).rejects.toThrow('trade insert failed');
    await orm.em.fork().transactional((em) => enqueueChainEntry(em, 'decision', decision(agent, 2)));

    const logger = makeLogger();
    await drainUntilIdle(logger);
    const all = await rows();
    expect(all).toHaveLength(1);
    expect(all[0].status).toBe('sent');
    const events = await decisionEvents(agent);
    expect(events.map((e) => e.args[6])).toEqual([decision(agent, 2).reasoningHash]);
  });

  it('marks a record the chain refuses as failed, with the reason, and does not retry it', async () => {
    await clearOutbox();
    const em = orm.em.fork();
    await enqueueChainEntry(em, 'trade', { ...trade('bad-agent', 0), entryPrice: -5 });
    await enqueueChainEntry(em, 'decision', { ...decision('bad-agent', 0), symbol: 'not a symbol' });
    await enqueueChainEntry(em, 'decision', decision('bad-agent', 1));
    const logger = makeLogger();
    await drainUntilIdle(logger);
    const [badTrade, badDecision, good] = await rows();
    expect(badTrade.status).toBe('failed');
    expect(badTrade.lastError).toMatch(/ChainRejectedError.*entryPrice/);
    expect(badDecision.status).toBe('failed');
    expect(badDecision.lastError).toMatch(/symbol/);
    expect(good.status).toBe('sent');
    expect((await logger.drainOnce()).claimed).toBe(0);
    expect(await decisionEvents('bad-agent')).toHaveLength(1);
  });

  it('waits out an RPC outage with backoff and then delivers everything exactly once', async () => {
    await clearOutbox();
    const agent = 'outage-agent';
    const em = orm.em.fork();
    for (let i = 0; i < 60; i++) await enqueueChainEntry(em, i % 2 ? 'trade' : 'decision', i % 2 ? trade(agent, i) : decision(agent, i));

    const logger = makeLogger(makeSender(), {
      batchSize: 10,
      backoff: exponentialBackoff({ baseMs: 2_000, maxMs: 2_000, random: () => 0 }),
    });
    // Stop the node between passes: anvil dumps its state on SIGTERM, and a block mined while
    // it dumps can be missing after the restart (a harness artefact, like a reorg), so no
    // transaction may be in flight at that moment. Crashes mid-flight are covered below.
    expect((await logger.drainOnce()).sent).toBe(10);
    expect((await logger.drainOnce()).sent).toBe(10);
    await anvil.stop();
    for (let i = 0; i < 4; i++) {
      const r = await logger.drainOnce();
      expect(r.sent).toBe(0);
      expect(r.failed).toBe(0);
    }
    // Every row not sent waits: pending, attempts > 0, due in the future, the error recorded.
    const waiting = (await rows()).filter((r) => r.status !== 'sent');
    expect(waiting).toHaveLength(40);
    for (const r of waiting) {
      expect(r.status).toBe('pending');
      expect(r.attempts).toBeGreaterThan(0);
      expect(r.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());
      expect(r.lastError).toContain('ChainUnavailableError');
    }
    expect((await logger.drainOnce()).claimed).toBe(0); // nothing due yet: backoff holds

    await anvil.restart();
    await logger.start(); // the rows come due 2 s after their failure
    try {
      logger.wake();
      await waitUntil(async () => (await rows()).every((r) => r.status === 'sent'), 30_000, 'delivery after restart');
    } finally {
      await logger.stop();
    }
    expect(logger.stats().retried).toBeGreaterThanOrEqual(40);
    const all = await rows();
    const d = await decisionEvents(agent);
    const t = await tradeEvents(agent);
    expect(d.length + t.length).toBe(60);
    const onChain = [...d.map((e) => e.args[6] as string), ...t.map((e) => e.args[6] as string)].sort();
    const expected = all.map((r) => (r.payload.reasoningHash ?? r.payload.detailHash) as string).sort();
    expect(onChain).toEqual(expected);
    // The stored tx hash is the one that landed.
    const landed = new Set([...d, ...t].map((e) => e.transactionHash));
    for (const r of all) expect(landed.has(r.txHash!)).toBe(true);
  }, 90_000);

  it('after a crash, a new ChainLogger resolves rows left in sending without sending anything twice', async () => {
    await clearOutbox();
    const agent = 'crash-agent';
    const em = orm.em.fork();
    const ids: number[] = [];
    for (let i = 0; i < 8; i++) ids.push(await enqueueChainEntry(em, 'decision', decision(agent, i)));

    // The "old hub" signs rows 0-5 and stores their transactions the way the worker does: rows
    // 0-2 were broadcast and mined before the crash; 3-5 were stored but never broadcast, and
    // their nonces then went to other transactions (so those signed bytes can never be mined);
    // row 6 was claimed but not signed; row 7 is still pending.
    const oldSender = makeSender();
    const conn = orm.em.fork().getConnection();
    const prepared = [];
    for (let i = 0; i < 6; i++) prepared.push(await oldSender.prepareDecision(decision(agent, i)));
    for (let i = 0; i < 6; i++) {
      await conn.execute(
        `update chain_outbox set status = 'sending', tx_hash = ?, payload = jsonb_set(payload, '{${SIGNED_TX_KEY}}', to_jsonb(?::text)) where id = ?`,
        [prepared[i].txHash, prepared[i].raw, ids[i]],
      );
    }
    await conn.execute(`update chain_outbox set status = 'sending' where id = ?`, [ids[6]]);
    for (let i = 0; i < 3; i++) {
      await oldSender.broadcast(prepared[i].raw);
      await oldSender.waitForReceipt(prepared[i].txHash);
    }
    // Another sender on the same wallet takes the nonces of rows 3-5.
    const other = makeSender();
    for (let k = 0; k < 3; k++) await other.sendDecision(decision('crash-other', k));
    oldSender.close();

    const logger = makeLogger();
    const sent: ChainEntrySent[] = [];
    logger.onSent((e) => sent.push(e));
    await drainUntilIdle(logger);

    const all = await rows();
    expect(all.map((r) => r.status)).toEqual(Array(8).fill('sent'));
    for (let i = 0; i < 3; i++) expect(all[i].txHash).toBe(prepared[i].txHash);
    for (let i = 3; i < 6; i++) expect(all[i].txHash).not.toBe(prepared[i].txHash);
    const events = await decisionEvents(agent);
    expect(events.map((e) => e.args[6]).sort()).toEqual(ids.map((_, i) => decision(agent, i).reasoningHash).sort());
    expect(sent.map((e) => e.outboxId).sort((a, b) => a - b)).toEqual(ids);
  });

  it('after a crash, stored transactions that were never broadcast go out with their original hash', async () => {
    await clearOutbox();
    const agent = 'crash-agent-2';
    const em = orm.em.fork();
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push(await enqueueChainEntry(em, 'trade', trade(agent, i)));
    const oldSender = makeSender();
    const conn = orm.em.fork().getConnection();
    const prepared = [];
    for (let i = 0; i < 4; i++) {
      prepared.push(await oldSender.prepareTrade(trade(agent, i)));
      await conn.execute(
        `update chain_outbox set status = 'sending', tx_hash = ?, payload = jsonb_set(payload, '{${SIGNED_TX_KEY}}', to_jsonb(?::text)) where id = ?`,
        [prepared[i].txHash, prepared[i].raw, ids[i]],
      );
    }
    // Crash after broadcasting the first two (no receipts awaited).
    await oldSender.broadcast(prepared[0].raw);
    await oldSender.broadcast(prepared[1].raw);
    oldSender.close();

    // Two loggers in a row on the same database, as after two restarts.
    await drainUntilIdle(makeLogger());
    await drainUntilIdle(makeLogger());
    const all = await rows();
    expect(all.map((r) => [r.status, r.txHash])).toEqual(prepared.map((p) => ['sent', p.txHash]));
    const events = await tradeEvents(agent);
    expect(events.map((e) => e.transactionHash).sort()).toEqual(prepared.map((p) => p.txHash).sort());
  });
});

describe('chain logger without chain configuration', () => {
  it('is disabled and does nothing', async () => {
    const logger = createDisabledChainLogger();
    expect(logger.enabled).toBe(false);
    await logger.start();
    expect(await logger.drainOnce()).toEqual({ claimed: 0, sent: 0, retried: 0, failed: 0 });
    expect(logger.stats()).toMatchObject({ enabled: false, running: false });
    await logger.stop();
  });
});

describe('exponentialBackoff', () => {
  it('doubles from the base, caps, and jitters downwards only', () => {
    const top = exponentialBackoff({ baseMs: 1_000, maxMs: 60_000, random: () => 0 });
    expect([1, 2, 3, 4, 6, 7, 8, 50].map(top)).toEqual([1_000, 2_000, 4_000, 8_000, 32_000, 60_000, 60_000, 60_000]);
    const bottom = exponentialBackoff({ baseMs: 1_000, maxMs: 60_000, jitter: 0.5, random: () => 0.999999 });
    expect(bottom(1)).toBe(500);
    expect(bottom(10)).toBe(30_000);
  });
});
