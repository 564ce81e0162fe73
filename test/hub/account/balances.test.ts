import { describe, expect, it } from 'vitest';
import { createBalanceService, paperEquity } from '../../../src/hub/account/balances.js';
import type { AgentView } from '../../../src/hub/agents/agent-view.js';
import { ExchangeError, type Exchange } from '../../../src/hub/exchange/exchange.js';
import { HashKeyApiError } from '../../../src/hub/exchange/hashkey/errors.js';

function agent(name: string, amountUsdt: number, realizedPnl: number, unrealizedPnl: number, liveMode = false): AgentView {
  return {
    id: `id-${name}`,
    shortId: name.slice(0, 8),
    name,
    symbol: 'BTCUSDT',
    amountUsdt,
    realizedPnl,
    unrealizedPnl,
    liveMode,
  } as AgentView;
}

const unused = () => () => Promise.reject(new Error('not used'));

function exchangeAnswering(balances: () => Promise<Array<{ asset: string; free: number; locked: number; total: number }>>): Exchange {
  return {
    name: 'hashkey',
    orderArrivalWindowMs: 5000,
    balances,
    marketOrder: unused(),
    findOrder: unused(),
    checkCredentials: unused(),
  } as unknown as Exchange;
}

describe('paper equity', () => {
  it('is capital + realised + unrealised per agent, summed', () => {
    const { paper, paperTotal } = paperEquity([agent('a', 500, -2, 12.5), agent('b', 1000, 40.25, -5.75)]);
    expect(paper.map((p) => p.equity)).toEqual([510.5, 1034.5]);
    expect(paperTotal).toEqual({ capital: 1500, realized: 38.25, unrealized: 6.75, equity: 1545 });
    expect(paperEquity([]).paperTotal).toEqual({ capital: 0, realized: 0, unrealized: 0, equity: 0 });
  });
});

describe('the balance report', () => {
  const agents = { list: async () => [agent('paper', 100, 1, 2), agent('live', 50, 5, 5, true)] };
  const vault = { source: async () => 'user' as const };

  it('counts paper agents only, names live ones, hides zero balances and sorts the rest', async () => {
    const exchange = exchangeAnswering(async () => [
      { asset: 'ETH', free: 0, locked: 0, total: 0 },
      { asset: 'BTC', free: 0.5, locked: 0, total: 0.5 },
      { asset: 'USDT', free: 90, locked: 10, total: 100 },
    ]);
    const report = await createBalanceService({ agents, vault, exchangeFor: async () => exchange }).report('owner');
    expect(report.paperTotal.equity).toBe(103);
    expect(report.liveAgents).toEqual(['live']);
    expect(report.live).toEqual({
      status: 'ok',
      source: 'user',
      balances: [
        { asset: 'USDT', free: 90, locked: 10, total: 100 },
        { asset: 'BTC', free: 0.5, locked: 0, total: 0.5 },
      ],
    });
  });

  it('no keys: no exchange part; a refusal carries the code; an outage its kind', async () => {
    const none = await createBalanceService({ agents, vault, exchangeFor: async () => undefined }).report('owner');
    expect(none.live).toEqual({ status: 'none' });
    const refused = exchangeAnswering(() => Promise.reject(new HashKeyApiError('0102', 'Invalid APIKey', 400, 'GET /api/v1/account')));
    expect((await createBalanceService({ agents, vault, exchangeFor: async () => refused }).report('o')).live).toEqual({
      status: 'refused',
      source: 'user',
      code: '0102',
    });
    const busy = exchangeAnswering(() => Promise.reject(new ExchangeError('rate_limited', 'slow down')));
    expect((await createBalanceService({ agents, vault, exchangeFor: async () => busy }).report('o')).live).toEqual({
      status: 'unavailable',
      source: 'user',
      reason: 'rate_limited',
    });
  });
});
