/**
 * What a chart is drawn from (the renderer is a stand-in that keeps the spec): candles of the
 * agent's symbol at its timeframe or a chosen interval, its trades in that window, its open
 * position's levels, the trader's time zone; equity from closed trades. Real PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { createChartService } from '../../../src/hub/charts/chart-service.js';
import type { CandleChartSpec, ChartSpec, EquityChartSpec } from '../../../src/hub/charts/chart-spec.js';
import { NothingToChartError } from '../../../src/hub/charts/errors.js';
import { AgentNotFoundError, ValidationError } from '../../../src/hub/errors.js';
import type { CandleRequest } from '../../../src/hub/market/candle-service.js';
import { CandlesUnavailableError } from '../../../src/hub/market/errors.js';
import { INTERVAL_MS } from '../../../src/shared/market.js';
import { brokerFixtureForFile } from '../broker/fixtures.js';

const file = brokerFixtureForFile('charts');
const T0 = Date.UTC(2026, 2, 1);
const HOUR = 3_600_000;

function service(options: { failCandles?: boolean } = {}) {
  const specs: ChartSpec[] = [];
  const requests: CandleRequest[] = [];
  const charts = createChartService({
    orm: file.fx.orm,
    agents: file.fx.directory,
    bars: 48,
    candles: {
      async getCandles(request) {
        requests.push(request);
        if (options.failCandles) throw new CandlesUnavailableError('BTCUSDT', request.interval);
        const step = INTERVAL_MS[request.interval];
        const candles = Array.from({ length: request.limit }, (_, n) => ({
          openTime: T0 + n * step,
          open: 100,
          high: 101,
          low: 99,
          close: 100,
          volume: 1,
        }));
        return {
          symbol: {} as never,
          interval: request.interval,
          candles,
          cached: true,
          stale: false,
          source: 'simulated',
          simulated: true,
        };
      },
    },
    renderer: {
      render: async (spec) => (specs.push(spec), Buffer.from('png')),
      close: async () => undefined,
    },
  });
  return { charts, specs, requests };
}

async function trade(agentId: string, openedAt: number, closedAt: number | null, pnl: number): Promise<void> {
  await file.fx.sql(
    `insert into trades (id, agent_id, side, qty, entry_price, exit_price, fees, pnl, status, live, opened_at, closed_at, exchange_order_ids, idempotency_key)
     values (?, ?, 'short', 1, 100, ?, 0, ?, ?, false, ?, ?, '[]', ?)`,
    [
      crypto.randomUUID(),
      agentId,
      closedAt === null ? null : 100 - pnl,
      closedAt === null ? null : pnl,
      closedAt === null ? 'open' : 'closed',
      new Date(openedAt),
      closedAt === null ? null : new Date(closedAt),
      crypto.randomUUID(),
    ],
  );
}

describe('chart service', () => {
  it('draws the agent: its symbol at its timeframe, trades in the window, the open position, the time zone', async () => {
    const agentId = await file.fx.agent(file.owner, { name: 'chart-me', timeframe: '1h', amountUsdt: 200 });
    await trade(agentId, T0 - 10 * HOUR, T0 - 9 * HOUR, 1); // before the window: left out
    await trade(agentId, T0 - 2 * HOUR, T0 + 3 * HOUR, 2); // exits inside the window
    await trade(agentId, T0 + 20 * HOUR, null, 0); // still open
    const position = {
      tradeId: 't',
      side: 'long',
      qty: 1,
      entryPrice: 100,
      leverage: 5,
      margin: 20,
      liquidationPrice: 81,
      tpPrice: 102,
      slPrice: null,
      openedAt: new Date(T0).toISOString(),
    };
    await file.fx.sql('update agents set position = ?::jsonb where id = ?', [JSON.stringify(position), agentId]);

    const { charts, specs, requests } = service();
    const chart = await charts.candles({ ownerId: file.owner, agent: 'chart-me', timeZone: 'europe/berlin' });
    expect(requests).toEqual([{ symbol: 'BTCUSDT', interval: '1h', limit: 48, priority: 'normal' }]);
    const spec = specs[0] as CandleChartSpec;
    expect(spec).toMatchObject({
      kind: 'candles',
      agentName: 'chart-me',
      symbol: 'BTCUSDT',
      interval: '1h',
      intervalMs: HOUR,
      timeZone: 'Europe/Berlin',
    });
    expect(spec.candles).toHaveLength(48);
    expect(spec.trades.map((t) => [t.side, t.openedAt, t.closedAt, t.pnl])).toEqual([
      ['short', T0 - 2 * HOUR, T0 + 3 * HOUR, 2],
      ['short', T0 + 20 * HOUR, null, null],
    ]);
    expect(spec.levels).toEqual([
      { kind: 'entry', price: 100 },
      { kind: 'tp', price: 102 },
      { kind: 'liquidation', price: 81 },
    ]);
    expect(spec.notes).toEqual(['simulated prices']);
    expect(chart).toMatchObject({ agentName: 'chart-me', interval: '1h', bars: 48, trades: 2, timeZone: 'Europe/Berlin', simulated: true });

    await charts.candles({ ownerId: file.owner, agent: 'chart-me', interval: '4H', timeZone: null });
    expect(specs[1]).toMatchObject({ interval: '4h', timeZone: 'UTC', levels: expect.any(Array) });
  });

  it('refuses a bad interval, another owner’s agent, and missing prices with typed errors', async () => {
    await file.fx.agent(file.owner, { name: 'mine' });
    const stranger = await file.fx.user();
    const { charts, specs } = service();
    await expect(charts.candles({ ownerId: file.owner, agent: 'mine', interval: '7m' })).rejects.toBeInstanceOf(ValidationError);
    await expect(charts.candles({ ownerId: stranger, agent: 'mine' })).rejects.toBeInstanceOf(AgentNotFoundError);
    await expect(charts.equity({ ownerId: stranger, agent: 'mine' })).rejects.toBeInstanceOf(AgentNotFoundError);
    const failing = service({ failCandles: true });
    const error = await failing.charts.candles({ ownerId: file.owner, agent: 'mine' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NothingToChartError);
    expect((error as NothingToChartError).userMessage).toBe(
      'Prices of BTCUSDT (15m) are not available right now, so there is no chart. Try again in a minute.',
    );
    expect(specs).toEqual([]);
  });

  it('draws equity from closed trades: one agent from its capital, or all of the owner’s agents', async () => {
    const owner = await file.fx.user();
    const a = await file.fx.agent(owner, { name: 'eq-a', amountUsdt: 300 });
    const b = await file.fx.agent(owner, { name: 'eq-b', amountUsdt: 700 });
    await trade(a, T0, T0 + HOUR, 50);
    await trade(b, T0 + HOUR, T0 + 3 * HOUR, -100);
    await trade(a, T0 + 4 * HOUR, null, 0); // open: not in the equity
    const { charts, specs } = service();

    const one = await charts.equity({ ownerId: owner, agent: 'eq-a' });
    expect(one).toMatchObject({ agentName: 'eq-a', trades: 1, startEquity: 300, endEquity: 350, maxDrawdownPct: 0 });
    expect((specs[0] as EquityChartSpec).curve.map((p) => [p.at, p.equity])).toEqual([
      [T0, 300],
      [T0 + HOUR, 350],
    ]);

    const all = await charts.equity({ ownerId: owner });
    expect(all).toMatchObject({ agentName: null, trades: 2, startEquity: 1000, endEquity: 950 });
    expect(all.maxDrawdownPct).toBeCloseTo(100 / 1050, 10);
    expect(specs[1]).toMatchObject({ subject: 'all agents (2)', quote: 'USDT' });

    const empty = await file.fx.user();
    await expect(charts.equity({ ownerId: empty })).rejects.toThrow(NothingToChartError);
  });
});
