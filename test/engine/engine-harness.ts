/**
 * Runs a real engine with a real hub client against the fake hub, one tick at a time
 * (stepped clock), with the strategy signal set by the test.
 */
import { createEngine, type Engine, type EngineOptions } from '../../src/engine/engine.js';
import { createHubClient, type HubClient } from '../../agent/src/hub-client.js';
import type { Candle } from '../../src/shared/market.js';
import type { AgentConfigWire, PositionWire } from '../../src/shared/wire.js';
import { startFakeHub, type FakeHub } from '../support/fake-hub.js';
import { baseConfig, createSteppedClock, memoryLog, type SteppedClock } from '../agent/helpers.js';

export const TOKEN = 'engine-test-token';

export interface Harness {
  hub: FakeHub;
  clock: SteppedClock;
  engine: Engine;
  client: HubClient;
  /** Lines the agent wrote (stdout). */
  lines: Array<{ level: string; msg: string }>;
  /** The signal the scripted strategy returns; change it between ticks. */
  signal: { value: number };
  /** Number of strategy evaluations so far. */
  evaluations: () => number;
  /** Runs one more tick (or until the engine ends). */
  tick(): Promise<void>;
  ticks(n: number): Promise<void>;
  /** Waits until every push has reached the fake hub. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  config?: Partial<AgentConfigWire>;
  position?: PositionWire | null;
  realizedPnl?: number;
  price?: number;
  candles?: Candle[];
  engine?: EngineOptions;
  /** Prepare the fake hub before the engine starts (queue LLM answers, set flags). */
  prepare?: (hub: FakeHub) => void;
  /** Use the strategy library instead of the scripted signal. */
  realStrategy?: boolean;
  /** Maintenance margin rate of the fake hub: its positions get a liquidation price. */
  mmr?: number;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const config = baseConfig(opts.config);
  const clock = createSteppedClock();
  const hub = await startFakeHub({
    agentId: config.agentId,
    token: TOKEN,
    price: opts.price ?? 100,
    leverage: config.leverage,
    mmr: opts.mmr,
    now: clock.now,
  });
  if (opts.candles) hub.setCandles(opts.candles);
  hub.setPosition(opts.position ?? null, opts.realizedPnl ?? 0);
  opts.prepare?.(hub);
  const { log, lines } = memoryLog(config.agentId);
  const client = createHubClient({
    hubUrl: hub.url,
    agentId: config.agentId,
    token: TOKEN,
    firstLogSeq: 1,
    logFlushMs: 10,
    backoff: { baseMs: 5, maxMs: 20 },
  });
  const signal = { value: 0 };
  let evaluations = 0;
  const engine = createEngine({
    config,
    position: opts.position ?? null,
    realizedPnl: opts.realizedPnl ?? 0,
    hub: client,
    log: log.withSink((level, message, ts) => client.log(level, message, ts)),
    clock,
    evaluateSignal: opts.realStrategy
      ? undefined
      : () => {
          evaluations++;
          return { signal: signal.value, reason: 'scripted' };
        },
    options: { cooldownTicks: 2, candleRefreshMs: 0, stopGraceMs: 1_000, ...opts.engine },
  });
  engine.start();
  await Promise.race([clock.untilSleeping(), engine.done()]);
  const tick = () => clock.step(engine.done());
  return {
    hub,
    clock,
    engine,
    client,
    lines,
    signal,
    evaluations: () => evaluations,
    tick,
    async ticks(n) {
      for (let i = 0; i < n; i++) await tick();
    },
    async flush() {
      if (!(await client.flush(3_000))) throw new Error('pushes did not reach the fake hub');
    },
    async close() {
      await engine.stop({ closePosition: false, reason: 'test over', deadlineMs: 2_000 });
      client.close();
      await hub.close();
    },
  };
}

/** `n` flat candles at `close` whose true range is `range` (so ATR(14) = range). */
export function flatCandles(n: number, close: number, range: number): Candle[] {
  return Array.from({ length: n }, (_, i) => ({
    openTime: Date.UTC(2026, 0, 1) + i * 60_000,
    open: close,
    high: close + range / 2,
    low: close - range / 2,
    close,
    volume: 1,
  }));
}

/** Executed closes and opens the fake hub recorded. */
export const closes = (x: Harness) => x.hub.fills.filter((f) => f.status === 'closed');
export const opens = (x: Harness) => x.hub.fills.filter((f) => f.status === 'open');
