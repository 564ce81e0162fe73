/**
 * Helpers for the agent tests: a stepped clock that lets a test run the engine one tick at a
 * time, a base agent config, a start request, and an in-memory line sink for the agent log.
 */
import type { Clock } from '../../src/shared/clock.js';
import { createAgentLog, type AgentLog } from '../../agent/src/agent-log.js';
import type { AgentConfigWire, PositionWire, StartRequest } from '../../src/shared/wire.js';

export const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);

/**
 * A clock whose `sleep` blocks until the test releases it. `untilSleeping()` resolves once the
 * code under test is waiting in `sleep` (for the engine: a tick has finished); `step()` advances
 * time by the pending sleep and releases it, then waits for the next sleep (or `ended`).
 */
export interface SteppedClock extends Clock {
  untilSleeping(): Promise<void>;
  step(ended?: Promise<unknown>): Promise<void>;
  /** Moves time on by `ms` without releasing the pending sleep (time lost elsewhere: a blocked loop, a slow hub). */
  advance(ms: number): void;
  /** Sleeps currently pending (0 or 1 for the engine). */
  readonly pending: number;
}

export function createSteppedClock(start = T0): SteppedClock {
  let now = start;
  let pending: { ms: number; resolve: () => void } | null = null;
  let waiters: Array<() => void> = [];
  const notify = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const untilSleeping = () => (pending ? Promise.resolve() : new Promise<void>((r) => waiters.push(r)));
  return {
    now: () => now,
    // The agent waits only through `sleep`; a callback timer would run outside `step`'s control.
    setTimeout() {
      throw new Error('the stepped clock has no callback timers: the agent waits with sleep');
    },
    clearTimeout() {},
    sleep(ms, signal) {
      return new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const onAbort = () => {
          if (pending === entry) pending = null;
          resolve();
        };
        const entry = {
          ms,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        pending = entry;
        signal?.addEventListener('abort', onAbort, { once: true });
        notify();
      });
    },
    untilSleeping,
    async step(ended) {
      await untilSleeping();
      const p = pending!;
      pending = null;
      if (Number.isFinite(p.ms)) now += p.ms;
      p.resolve();
      await (ended ? Promise.race([untilSleeping(), ended]) : untilSleeping());
    },
    advance(ms) {
      now += ms;
    },
    get pending() {
      return pending ? 1 : 0;
    },
  };
}

export function baseConfig(overrides: Partial<AgentConfigWire> = {}): AgentConfigWire {
  return {
    agentId: 'agent-1',
    name: 'test agent',
    symbol: 'BTCUSDT',
    amountUsdt: 100,
    leverage: 1,
    riskProfile: 'moderate',
    timeframe: '1m',
    tpPct: null,
    slPct: null,
    tpSlMode: 'fixed',
    pollSeconds: 10,
    supervisorIntervalSeconds: 60,
    maxSessionLossPct: 0,
    closeOnStop: true,
    llmProvider: null,
    llmModel: null,
    liveMode: false,
    strategy: 'momentum',
    ...overrides,
  };
}

export function startRequest(
  hubUrl: string,
  overrides: Partial<Omit<StartRequest, 'config'>> & { config?: Partial<AgentConfigWire> } = {},
): StartRequest {
  return {
    position: null,
    realizedPnl: 0,
    nextLogSeq: 1,
    ...overrides,
    hubUrl,
    config: baseConfig(overrides.config),
  };
}

export function openPosition(overrides: Partial<PositionWire> = {}): PositionWire {
  return {
    tradeId: 't-resume',
    side: 'long',
    qty: 1,
    entryPrice: 100,
    leverage: 1,
    margin: 100,
    liquidationPrice: null,
    tpPrice: null,
    slPrice: null,
    openedAt: new Date(T0).toISOString(),
    ...overrides,
  };
}

/** An agent log that records lines (parsed) instead of writing to stdout. */
export function memoryLog(agentId = 'agent-1'): { log: AgentLog; lines: Array<{ level: string; msg: string }> } {
  const lines: Array<{ level: string; msg: string }> = [];
  const log = createAgentLog({
    agentId,
    write: (line) => {
      const { level, msg } = JSON.parse(line) as { level: string; msg: string };
      lines.push({ level, msg });
    },
  });
  return { log, lines };
}
