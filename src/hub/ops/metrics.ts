/**
 * The hub's Prometheus metrics (prom-client), on a registry of its own (never the global one, so a
 * test can build several hubs in one process): the default process metrics plus the families
 * below. Served by src/http/routes/metrics.ts; README "Metrics" lists them with alerts worth setting.
 *
 * Three kinds of sources, each as cheap as it can be:
 * - hooks where the thing happens: `observeStatusPush` (the status route, thousands per second: one
 *   histogram observation) and `probes` (the broker's orders, the LLM gateway's tokens and cost);
 * - hub events, counted as they pass: spawns (`agent.started`), crashes, restarts;
 * - at scrape time only: one snapshot of the readings (./readings.ts, the same numbers `/admin`
 *   shows) and the counters the parts keep anyway (outbound queue, candle cache, provider calls).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HubEvents } from '../events.js';
import type { CandleService } from '../market/candle-service.js';
import type { HubProbes } from './probes.js';
import type { OpsReadings, OpsSnapshot } from './readings.js';

/** What the chat adapter's outbound queue counts (its `stats()`). */
export interface OutboundCounts {
  waiting: number;
  /** Successful sendMessage calls. */
  sendCalls: number;
  /** 429 answers seen. */
  floodWaits: number;
}

export interface MetricSources {
  events: HubEvents;
  readings: OpsReadings;
  candles: Pick<CandleService, 'stats'>;
  /** The market provider's name (`twelvedata`, `hashkey`, `simulated`). */
  provider: string;
  /** The outbound queue's counts; undefined (or returning undefined) without a bot. */
  outbound?: () => OutboundCounts | undefined;
}

export interface HubMetrics {
  readonly registry: Registry;
  /** The exposition's content type, for the `Content-Type` header. */
  readonly contentType: string;
  /** For `createHub`: orders and LLM usage. */
  readonly probes: HubProbes;
  /** The time (ms) the HTTP layer took to take one status push. */
  observeStatusPush(ms: number): void;
  /** Starts counting the hub's events and reading its parts at each scrape. Once. */
  attach(sources: MetricSources): void;
  /** The text exposition: one readings snapshot, then every family. */
  render(): Promise<string>;
  /** Stops counting events. */
  close(): void;
}

const WEI_PER_GWEI = 1_000_000_000n;

/** The signer's balance in whole coins (HSK), precise to a gwei. */
const coins = (wei: bigint) => Number(wei / WEI_PER_GWEI) / 1e9;

/** Families read at scrape time from a readings snapshot. */
function snapshotGauges(registers: Registry[]) {
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers });
  const g = {
    agents: gauge('artic_agents', 'Agents by status (from the database)', ['status']),
    users: gauge('artic_users', 'Users by status (from the database)', ['status']),
    outboundDepth: gauge('artic_telegram_outbound_queue_depth', 'Bot messages waiting in the outbound queue'),
    chainPending: gauge('artic_chain_outbox_pending', 'Chain outbox entries not yet on chain'),
    chainLag: gauge('artic_chain_outbox_lag_seconds', 'Age of the oldest chain outbox entry not yet on chain (0: none)'),
    chainEnabled: gauge('artic_chain_enabled', '1 when chain logging is configured'),
    balance: gauge('artic_chain_signer_balance_hsk', "The chain signer's balance (HSK), read at most every 30 s"),
    credits: gauge('artic_market_credits_left', 'Market data credits left today (providers with a daily budget)', ['provider']),
    backtests: gauge('artic_backtest_queue_depth', 'Backtests waiting for a worker'),
  };
  return (s: OpsSnapshot) => {
    for (const [status, n] of Object.entries(s.agents)) g.agents.set({ status }, n);
    for (const [status, n] of Object.entries(s.users)) g.users.set({ status }, n);
    if (s.queues.outbound === null) g.outboundDepth.reset();
    else g.outboundDepth.set(s.queues.outbound);
    g.chainPending.set(s.queues.chainOutbox);
    g.chainLag.set(s.chain.lagSeconds);
    g.chainEnabled.set(s.chain.enabled ? 1 : 0);
    if (s.chain.balance) g.balance.set(coins(s.chain.balance.wei));
    else g.balance.reset();
    g.credits.reset();
    if (s.market.credits) g.credits.set({ provider: s.market.provider }, s.market.credits.left);
    g.backtests.set(s.queues.backtests.waiting);
  };
}

/** A counter whose total another part keeps: set to that total at each scrape. */
function mirrored(registers: Registry[], name: string, help: string, labelNames: string[] = []) {
  const counter = new Counter({ name, help, labelNames, registers });
  return (value: number, labels: Record<string, string> = {}) => {
    counter.remove(labels);
    counter.inc(labels, value);
  };
}

/** The two latency histograms: status pushes, and orders by mode (both modes present from the start). */
function latencyHistograms(registers: Registry[]) {
  const pushSeconds = new Histogram({
    name: 'artic_status_push_seconds',
    help: 'Time the hub takes to take one agent status push (request in to reply out)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers,
  });
  const orderSeconds = new Histogram({
    name: 'artic_order_seconds',
    help: 'Time the broker takes to answer an order with a result (fill or replay), paper or live',
    labelNames: ['mode'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  for (const mode of ['paper', 'live']) orderSeconds.zero({ mode });
  const orders = { paper: orderSeconds.labels({ mode: 'paper' }), live: orderSeconds.labels({ mode: 'live' }) };
  return { pushSeconds, orders };
}

export function createHubMetrics(): HubMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  const { pushSeconds, orders } = latencyHistograms(registers);
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers });
  const lifecycle = {
    spawns: counter('artic_agent_spawns_total', 'Agent sessions started (spawned or restarted, up and running)'),
    crashes: counter('artic_agent_crashes_total', 'Agent crashes seen (exits, failed health probes, missing at boot)'),
    restarts: counter('artic_agent_restarts_total', 'Agents restarted after a crash'),
  };
  const llmTokens = counter('artic_llm_tokens_total', 'LLM tokens used, by provider and kind (prompt, completion)', ['provider', 'kind']);
  const llmCost = counter('artic_llm_cost_usd_total', 'LLM cost in USD at the configured prices, by provider', ['provider']);
  const telegramSends = mirrored(registers, 'artic_telegram_sends_total', 'Messages the outbound queue sent (sendMessage calls)');
  const telegram429 = mirrored(registers, 'artic_telegram_429_total', '429 (flood wait) answers the outbound queue got');
  const marketCalls = mirrored(registers, 'artic_market_calls_total', 'Calls that reached the market data provider', ['provider']);
  const candleCache = mirrored(registers, 'artic_candle_cache_requests_total', 'Candle requests by cache result (hit, miss)', ['result']);
  const setSnapshot = snapshotGauges(registers);
  const readingsOk = new Gauge({
    name: 'artic_readings_ok',
    help: '1 when this scrape read the database (users, agents, chain outbox); 0: those gauges keep their last values',
    registers,
  });

  let sources: MetricSources | undefined;
  const detach: Array<() => void> = [];

  return {
    registry,
    contentType: registry.contentType,
    probes: {
      order: (ms, live) => (live ? orders.live : orders.paper).observe(ms / 1000),
      llmUsage(provider, usage, costUsd) {
        llmTokens.inc({ provider, kind: 'prompt' }, usage.promptTokens);
        llmTokens.inc({ provider, kind: 'completion' }, usage.completionTokens);
        llmCost.inc({ provider }, costUsd);
      },
    },
    observeStatusPush: (ms) => pushSeconds.observe(ms / 1000),
    attach(given) {
      if (sources) throw new Error('metrics are attached to a hub already');
      sources = given;
      for (const c of Object.values(lifecycle)) c.inc(0); // present from the first scrape
      detach.push(
        given.events.on('agent.started', () => lifecycle.spawns.inc()),
        given.events.on('agent.crashed', () => lifecycle.crashes.inc()),
        given.events.on('agent.restarted', () => lifecycle.restarts.inc()),
      );
    },
    async render() {
      if (sources) {
        // The database down must not cost the process metrics and the counters: the scrape goes on.
        const snapshot = await sources.readings.snapshot().catch(() => null);
        readingsOk.set(snapshot ? 1 : 0);
        if (snapshot) setSnapshot(snapshot);
        const out = sources.outbound?.();
        telegramSends(out?.sendCalls ?? 0);
        telegram429(out?.floodWaits ?? 0);
        const cache = sources.candles.stats();
        marketCalls(cache.upstreamCalls, { provider: sources.provider });
        candleCache(cache.hits, { result: 'hit' });
        candleCache(cache.misses, { result: 'miss' });
      }
      return registry.metrics();
    },
    close() {
      for (const off of detach.splice(0)) off();
    },
  };
}
