/**
 * `/metrics` after a small run of the real app: a paper agent (a real agent process) trading on
 * the simulated market, its status pushes and orders, a trade alert sent through the outbound
 * queue to the Bot API stand-in (after one 429), one LLM call to the OpenAI stand-in. Each family
 * must be there with the figures of that run; the listener binds 127.0.0.1 and, with
 * METRICS_TOKEN set, both it and the main HTTP server refuse a scrape without the token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { startBotApiServer, type BotApiServer } from '../support/bot-api-server.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { recordEvents, startTradingApp } from '../support/e2e.js';
import { startOpenAiServer, type OpenAiServer } from '../support/openai-server.js';
import { waitUntil } from '../support/wait.js';

const BOT_TOKEN = '123456:TEST-token-for-the-metrics-run';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const CHAT = 616161;
let api: BotApiServer;
let llm: OpenAiServer;
let db: TestDatabase;
let app: App & { port: number };

function series(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

const scrape = async (base: string, token: string | undefined = METRICS_TOKEN) => {
  const res = await fetch(`${base}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, text: await res.text() };
};

beforeAll(async () => {
  api = await startBotApiServer({ token: BOT_TOKEN });
  llm = await startOpenAiServer();
  db = await createTestDatabase('metrics');
  app = await startTradingApp(db.url, 3, {
    ACCESS_MODE: 'open',
    TELEGRAM_BOT_TOKEN: BOT_TOKEN,
    TELEGRAM_API_ROOT: api.apiRoot,
    METRICS_TOKEN,
    OPENAI_API_KEY: 'sk-test-metrics',
    OPENAI_BASE_URL: `${llm.url}/v1`,
  });
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await api?.close();
  await llm?.close();
  await db?.drop();
});

describe('metrics after a small run', () => {
  it('binds 127.0.0.1 and refuses scrapes without the token, here and on the main server', async () => {
    expect(app.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const base of [app.metricsUrl!, app.url]) {
      expect((await scrape(base, null as never)).status).toBe(401);
      expect((await scrape(base, `${METRICS_TOKEN}-wrong`)).status).toBe(401);
      expect((await scrape(base)).status).toBe(200);
    }
  });

  it('has every family with the figures of the run', { timeout: 60_000 }, async () => {
    const events = recordEvents(app);
    const { user } = await app.hub.users.register(CHAT, 'Operator', 'operator');
    const agent = await app.hub.agents.create(user.id, {
      name: 'metered',
      symbol: 'BTCUSDT',
      amountUsdt: 100,
      timeframe: '1m',
      pollSeconds: 1,
      strategy: 'supertrend',
    });
    api.failNext({ code: 429, retryAfter: 1, method: 'sendMessage' });
    await app.hub.lifecycle.start(user.id, agent.id);
    await waitUntil(() => events('trade.opened', agent.id).length > 0, 30_000, 'the first trade');
    await waitUntil(() => api.succeeded('sendMessage').some((c) => Number(c.payload.chat_id) === CHAT), 15_000, 'the trade alert');
    await app.hub.llm.complete(agent.id, user.id, 'openai', null, { purpose: 'planner', messages: [{ role: 'user', content: 'plan' }] });
    await waitUntil(
      async () => (series((await scrape(app.metricsUrl!)).text, 'artic_status_push_seconds_count') ?? 0) >= 3,
      15_000,
      'three status pushes',
    );

    const { status, text } = await scrape(app.metricsUrl!);
    expect(status).toBe(200);
    expect(series(text, 'artic_agents{status="running"}')).toBe(1);
    expect(series(text, 'artic_users{status="active"}')).toBe(1);
    expect(series(text, 'artic_agent_spawns_total')).toBeGreaterThanOrEqual(1);
    expect(series(text, 'artic_agent_crashes_total')).toBe(0);
    expect(series(text, 'artic_agent_restarts_total')).toBe(0);
    expect(series(text, 'artic_status_push_seconds_count')).toBeGreaterThanOrEqual(3);
    expect(series(text, 'artic_status_push_seconds_sum')).toBeGreaterThan(0);
    expect(series(text, 'artic_order_seconds_count{mode="paper"}')).toBeGreaterThanOrEqual(1);
    expect(series(text, 'artic_order_seconds_count{mode="live"}')).toBe(0);
    expect(series(text, 'artic_telegram_sends_total')).toBeGreaterThanOrEqual(1);
    expect(series(text, 'artic_telegram_429_total')).toBe(1);
    expect(series(text, 'artic_telegram_outbound_queue_depth')).toBeGreaterThanOrEqual(0);
    expect(series(text, 'artic_market_calls_total{provider="simulated"}')).toBeGreaterThanOrEqual(1);
    const hits = series(text, 'artic_candle_cache_requests_total{result="hit"}')!;
    const misses = series(text, 'artic_candle_cache_requests_total{result="miss"}')!;
    // The agent's first candles: a miss (nothing cached yet); later ones within the bar are hits.
    expect(misses).toBeGreaterThanOrEqual(1);
    expect(Number.isInteger(hits)).toBe(true); // the series is there
    // The simulated market has no daily budget: no credits series.
    expect(text).toContain('# TYPE artic_market_credits_left gauge');
    expect(series(text, 'artic_market_credits_left{provider="simulated"}')).toBeUndefined();
    // Chain logging is off here: its entries wait in the outbox.
    expect(series(text, 'artic_chain_enabled')).toBe(0);
    expect(series(text, 'artic_chain_outbox_pending')).toBeGreaterThanOrEqual(2); // the plan and the open
    expect(series(text, 'artic_chain_outbox_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(text).toContain('# TYPE artic_chain_signer_balance_hsk gauge');
    expect(series(text, 'artic_backtest_queue_depth')).toBe(0);
    expect(series(text, 'artic_llm_tokens_total{provider="openai",kind="prompt"}')).toBe(10);
    expect(series(text, 'artic_llm_tokens_total{provider="openai",kind="completion"}')).toBe(5);
    expect(series(text, 'artic_llm_cost_usd_total{provider="openai"}')).toBeGreaterThan(0);
    expect(series(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    // The main server serves the same registry behind the token.
    const main = await scrape(app.url);
    expect(series(main.text, 'artic_agents{status="running"}')).toBe(1);
    await app.hub.lifecycle.stop(user.id, agent.id);
  });
});
