/**
 * The hub's metrics over real parts where they can run here: PostgreSQL (users, agents, the chain
 * outbox), the Twelve Data stand-in behind the real limiter and candle cache; the chain signer,
 * backtest queue and outbound queue as small stand-ins with known figures. Checks every family
 * the registry adds and that the signer's balance is read from a cache, not at every scrape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orm } from '../../../src/db/orm.js';
import { HubEvents } from '../../../src/hub/events.js';
import { createMarketFromConfig, type Market } from '../../../src/hub/market/market-from-config.js';
import { createHubMetrics, type HubMetrics } from '../../../src/hub/ops/metrics.js';
import { createOpsReadings, type OpsReadings } from '../../../src/hub/ops/readings.js';
import { createUserService } from '../../../src/hub/users.js';
import { createLogger } from '../../../src/logger.js';
import { createTestOrm } from '../../support/db.js';
import { startTwelveDataServer, type TwelveDataServer } from '../../support/twelve-data-server.js';

let orm: Orm;
let close: () => Promise<void>;
let td: TwelveDataServer;
let market: Market;
let readings: OpsReadings;
let metrics: HubMetrics;
const events = new HubEvents();
/** Added to the wall clock of the readings (to age the cached balance). */
let skewMs = 0;
let balanceReads = 0;
const ref = { agentId: '00000000-0000-4000-8000-000000000001', ownerId: '00000000-0000-4000-8000-000000000002', agentName: 'bouncy' };

/** The value of one series (`name` or `name{label="v",…}` exactly as exposed). */
function series(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

beforeAll(async () => {
  ({ orm, close } = await createTestOrm('metrics'));
  td = await startTwelveDataServer({ apiKey: 'td-key' });
  market = createMarketFromConfig(
    {
      market: {
        source: 'twelvedata',
        twelveDataApiKey: 'td-key',
        twelveDataBaseUrl: td.url,
        twelveDataPerMinute: 100,
        twelveDataDailyCredits: 800,
        cmcApiKey: undefined,
        cmcBaseUrl: 'http://127.0.0.1:9',
        simulatedSeed: 1,
      },
      hashkey: { apiKey: undefined, secret: undefined, sandbox: false, baseUrl: undefined },
    },
    { orm },
  );
  const users = createUserService({ orm, accessMode: 'approval', adminIds: [], logger: createLogger({ level: 'silent' }) });
  await users.register(501, 'First', null); // the first user: an active admin
  await users.register(502, 'Second', null); // waits for approval
  await orm.em
    .fork()
    .getConnection()
    .execute(
      `insert into chain_outbox (kind, payload, status, attempts, next_attempt_at, created_at)
       values ('decision', '{}', 'pending', 0, now(), now() - interval '90 seconds'), ('decision', '{}', 'sent', 1, now(), now())`,
    );
  readings = createOpsReadings({
    orm,
    events,
    chain: {
      enabled: true,
      signerBalanceWei: async () => {
        balanceReads++;
        return 1_500_000_000_000_000_000n;
      },
    },
    market,
    backtests: { depth: () => ({ waiting: 2, running: 1 }) },
    outbound: () => ({ waiting: 4 }),
    now: () => Date.now() + skewMs,
  });
  metrics = createHubMetrics();
  metrics.attach({
    events,
    readings,
    candles: market.service,
    provider: market.provider,
    outbound: () => ({ waiting: 4, sendCalls: 7, floodWaits: 1 }),
  });
});

afterAll(async () => {
  readings?.close();
  metrics?.close();
  await td?.close();
  await close?.();
});

describe('hub metrics', () => {
  it('expose every family with the figures of what happened', async () => {
    await market.service.getCandles({ symbol: 'BTCUSDT', interval: '1h', limit: 20 });
    await market.service.getCandles({ symbol: 'BTCUSDT', interval: '1h', limit: 20 });
    events.emit('agent.started', { ...ref, port: 8000, runtime: 'process' });
    events.emit('agent.crashed', { ...ref, exitCode: 1, oom: false, reason: 'exited with code 1', lastLogs: [], willRestart: true });
    events.emit('agent.restarted', { ...ref, attempt: 1, reason: 'exited with code 1' });
    events.emit('agent.started', { ...ref, port: 8000, runtime: 'process' });
    for (const ms of [0.8, 2, 40]) metrics.observeStatusPush(ms);
    metrics.probes.order(30, false);
    metrics.probes.order(800, true);
    metrics.probes.llmUsage('openai', { promptTokens: 100, completionTokens: 50 }, 0.0125);

    const text = await metrics.render();
    expect(series(text, 'artic_readings_ok')).toBe(1);
    expect(series(text, 'artic_users{status="active"}')).toBe(1);
    expect(series(text, 'artic_users{status="pending"}')).toBe(1);
    expect(series(text, 'artic_agents{status="running"}')).toBe(0); // every status is present
    expect(series(text, 'artic_agent_spawns_total')).toBe(2);
    expect(series(text, 'artic_agent_crashes_total')).toBe(1);
    expect(series(text, 'artic_agent_restarts_total')).toBe(1);
    expect(series(text, 'artic_status_push_seconds_count')).toBe(3);
    expect(series(text, 'artic_status_push_seconds_bucket{le="0.001"}')).toBe(1);
    expect(series(text, 'artic_status_push_seconds_sum')).toBeCloseTo(0.0428, 6);
    expect(series(text, 'artic_order_seconds_count{mode="paper"}')).toBe(1);
    expect(series(text, 'artic_order_seconds_count{mode="live"}')).toBe(1);
    expect(series(text, 'artic_order_seconds_bucket{le="1",mode="live"}')).toBe(1);
    expect(series(text, 'artic_telegram_sends_total')).toBe(7);
    expect(series(text, 'artic_telegram_429_total')).toBe(1);
    expect(series(text, 'artic_telegram_outbound_queue_depth')).toBe(4);
    expect(series(text, 'artic_market_calls_total{provider="twelvedata"}')).toBe(1);
    expect(series(text, 'artic_market_credits_left{provider="twelvedata"}')).toBe(799);
    expect(series(text, 'artic_candle_cache_requests_total{result="hit"}')).toBe(1);
    expect(series(text, 'artic_candle_cache_requests_total{result="miss"}')).toBe(1);
    expect(series(text, 'artic_chain_enabled')).toBe(1);
    expect(series(text, 'artic_chain_outbox_pending')).toBe(1);
    expect(series(text, 'artic_chain_outbox_lag_seconds')).toBeGreaterThanOrEqual(89);
    expect(series(text, 'artic_chain_outbox_lag_seconds')).toBeLessThan(600);
    expect(series(text, 'artic_chain_signer_balance_hsk')).toBe(1.5);
    expect(series(text, 'artic_backtest_queue_depth')).toBe(2);
    expect(series(text, 'artic_llm_tokens_total{provider="openai",kind="prompt"}')).toBe(100);
    expect(series(text, 'artic_llm_tokens_total{provider="openai",kind="completion"}')).toBe(50);
    expect(series(text, 'artic_llm_cost_usd_total{provider="openai"}')).toBe(0.0125);
    // The default process metrics.
    expect(series(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');

    // A second scrape mirrors the parts' totals, it does not add them up.
    const again = await metrics.render();
    expect(series(again, 'artic_telegram_sends_total')).toBe(7);
    expect(series(again, 'artic_candle_cache_requests_total{result="miss"}')).toBe(1);
  });

  it("reads the signer's balance at most every 30 s, and keeps the last crash", async () => {
    const before = balanceReads;
    await metrics.render();
    await readings.snapshot();
    expect(balanceReads).toBe(before);
    skewMs += 30_001;
    const snapshot = await readings.snapshot();
    expect(balanceReads).toBe(before + 1);
    expect(snapshot.chain.balance?.wei).toBe(1_500_000_000_000_000_000n);
    expect(snapshot.chain.balance!.at).toBeGreaterThan(Date.now() + 29_000);
    expect(snapshot.lastCrash).toMatchObject({ agentId: ref.agentId, agentName: 'bouncy', reason: 'exited with code 1' });
    expect(snapshot.queues).toEqual({ outbound: 4, chainOutbox: 1, backtests: { waiting: 2, running: 1 } });
    expect(snapshot.market).toEqual({ provider: 'twelvedata', credits: { left: 799, budget: 800 } });
  });

  it('still answer when the database does not: readings marked not ok, the rest served', async () => {
    const broken = createHubMetrics();
    broken.attach({
      events: new HubEvents(),
      readings: { snapshot: () => Promise.reject(new Error('database down')), close: () => undefined },
      candles: market.service,
      provider: market.provider,
    });
    broken.observeStatusPush(1);
    const text = await broken.render();
    expect(series(text, 'artic_readings_ok')).toBe(0);
    expect(series(text, 'artic_status_push_seconds_count')).toBe(1);
    expect(series(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    broken.close();
  });

  it('keep one registry per hub: two in one process do not collide', async () => {
    const other = createHubMetrics();
    other.observeStatusPush(1);
    expect(series(await other.render(), 'artic_status_push_seconds_count')).toBe(1);
    expect(series(await metrics.render(), 'artic_status_push_seconds_count')).toBe(3);
  });
});
