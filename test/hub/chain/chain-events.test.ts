/**
 * The chain → hub event bridge: a confirmed trade entry becomes `trade.onchain` for the agent's
 * owner, with the explorer link; decisions and entries of deleted agents emit nothing.
 */
import { describe, expect, it } from 'vitest';
import { tradeChainRecord, type TradeDetailSource } from '../../../src/hub/broker/trade-detail.js';
import { bridgeChainEvents } from '../../../src/hub/chain/chain-events.js';
import type { ChainEntrySent, ChainSentListener } from '../../../src/hub/chain/chain-logger.js';
import type { DecisionRecord } from '../../../src/hub/chain/encoding.js';
import { HubEvents, type TradeOnChainData } from '../../../src/hub/events.js';

const AGENT = '0d5a3c1e-1111-4222-8333-444455556666';
const TX = `0x${'ab'.repeat(32)}`;

const trade: TradeDetailSource = {
  id: 'trade-42',
  side: 'short',
  qty: 0.01,
  leverage: 5,
  margin: 130,
  entryPrice: 65_000,
  exitPrice: 64_000,
  fees: 0.5,
  pnl: 9.5,
  closeReason: 'signal',
  live: false,
  openedAt: new Date('2025-01-01T00:00:00Z'),
  closedAt: new Date('2025-01-01T01:00:00Z'),
  exchangeOrderIds: [],
  idempotencyKey: 'k1',
  closeIdempotencyKey: 'k2',
};

/** A ChainLogger stand-in whose `onSent` listeners the test fires by hand. */
function fakeChain() {
  const listeners = new Set<ChainSentListener>();
  return {
    onSent(listener: ChainSentListener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    fire(event: ChainEntrySent) {
      for (const l of listeners) l(event);
    },
    listenerCount: () => listeners.size,
  };
}

function sentEntry(record: ChainEntrySent['record'], extra: Partial<ChainEntrySent> = {}): ChainEntrySent {
  return {
    outboxId: 7,
    kind: 'trade',
    record,
    txHash: TX,
    blockNumber: 1234,
    explorerUrl: `https://testnet-explorer.hsk.xyz/tx/${TX}`,
    latencyMs: 900,
    ...extra,
  };
}

function setup(owners: Record<string, { ownerId: string; name: string }>) {
  const chain = fakeChain();
  const events = new HubEvents();
  const seen: TradeOnChainData[] = [];
  events.on('trade.onchain', (d) => seen.push(d));
  const lookups: string[] = [];
  const agents = {
    ref: async (agentId: string) => {
      lookups.push(agentId);
      return owners[agentId];
    },
  };
  const off = bridgeChainEvents({ chain, events, agents });
  return { chain, events, seen, lookups, off };
}

describe('chain events bridge', () => {
  it('emits trade.onchain for the agent owner with side, trade id and explorer link', async () => {
    const { chain, events } = setup({ [AGENT]: { ownerId: 'owner-1', name: 'Momentum' } });
    const next = events.waitFor('trade.onchain', () => true, 2_000);
    chain.fire(sentEntry(tradeChainRecord(AGENT, 'BTCUSDT', trade, 'close')));
    expect(await next).toEqual({
      agentId: AGENT,
      ownerId: 'owner-1',
      agentName: 'Momentum',
      tradeId: 'trade-42',
      symbol: 'BTCUSDT',
      action: 'close',
      side: 'short',
      txHash: TX,
      blockNumber: 1234,
      explorerUrl: `https://testnet-explorer.hsk.xyz/tx/${TX}`,
    });
  });

  it('reads an open, and a record without a readable detail, and a chain without explorer', async () => {
    const { chain, events } = setup({ [AGENT]: { ownerId: 'owner-1', name: 'Momentum' } });
    const { detail: _detail, ...bare } = tradeChainRecord(AGENT, 'ETHUSDT', { ...trade, side: 'long' }, 'open');
    const next = events.waitFor('trade.onchain', () => true, 2_000);
    chain.fire(sentEntry(bare, { explorerUrl: undefined }));
    expect(await next).toMatchObject({ action: 'open', side: 'long', symbol: 'ETHUSDT', tradeId: null, explorerUrl: undefined });
  });

  it('ignores decisions and agents that no longer exist; unsubscribes', async () => {
    const { chain, seen, lookups, off } = setup({});
    const decision: DecisionRecord = {
      agentId: AGENT,
      symbol: 'BTCUSDT',
      action: 'HOLD',
      strategyIndex: 255,
      confidence: 0.5,
      pnlPct: 0,
      reasoningHash: `0x${'00'.repeat(32)}`,
    };
    chain.fire(sentEntry(decision, { kind: 'decision' }));
    chain.fire(sentEntry(tradeChainRecord(AGENT, 'BTCUSDT', trade, 'open')));
    await new Promise((r) => setTimeout(r, 20));
    expect(lookups).toEqual([AGENT]); // the decision was not even looked up
    expect(seen).toEqual([]);
    off();
    expect(chain.listenerCount()).toBe(0);
  });
});
