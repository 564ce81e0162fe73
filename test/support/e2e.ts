/**
 * Helpers of the end-to-end tests that run the real app with real agent processes on the
 * simulated market: event recording, SQL on the app's database, and bar timing.
 */
import type { App } from '../../src/app.js';
import type { HubEventMap, HubEventName } from '../../src/hub/events.js';
import { freePortRange, startTestApp } from './app-harness.js';

/**
 * The real app on a private database with agents as child processes (ports for `maxAgents`,
 * health probed every 500 ms) on the simulated market; `env` adds to or overrides that.
 */
export async function startTradingApp(
  databaseUrl: string,
  maxAgents: number,
  env: Record<string, string> = {},
  marketNow?: () => number,
): ReturnType<typeof startTestApp> {
  const range = await freePortRange(maxAgents);
  return startTestApp({
    databaseUrl,
    env: {
      AGENT_RUNTIME: 'process',
      AGENT_PORT_RANGE: `${range.from}-${range.to}`,
      AGENT_HEALTH_INTERVAL_MS: '500',
      MARKET_DATA: 'simulated',
      ...env,
    },
    marketNow,
  });
}

/** Records every hub event from now on; `events(name, agentId)` returns one agent's, in order. */
export function recordEvents(app: App): <K extends HubEventName>(name: K, agentId: string) => Array<HubEventMap[K]> {
  const seen: { [K in HubEventName]?: Array<HubEventMap[K]> } = {};
  app.hub.events.onAny((name, data) => {
    ((seen[name] ??= []) as unknown[]).push(data);
  });
  return <K extends HubEventName>(name: K, agentId: string) =>
    ((seen[name] ?? []) as Array<HubEventMap[K] & { agentId: string }>).filter((e) => e.agentId === agentId);
}

/** Runs `query` on the app's database. */
export async function appSql<T = Record<string, unknown>>(app: App, query: string, params: unknown[] = []): Promise<T[]> {
  return app.orm.em.fork().getConnection().execute(query, params);
}

/** A `trades` row as stored (snake case). */
export interface TradeRow {
  id: string;
  side: 'long' | 'short';
  qty: number;
  leverage: number;
  margin: number;
  entry_price: number;
  exit_price: number | null;
  fees: number;
  pnl: number | null;
  status: string;
  close_reason: string | null;
  live: boolean;
}

/** The agent's trades, oldest first. */
export function tradesOf(app: App, agentId: string): Promise<TradeRow[]> {
  return appSql<TradeRow>(app, 'select * from trades where agent_id = ? order by opened_at', [agentId]);
}

/**
 * Returns when at least 20 s are left in the current 1-minute bar (waits for the next bar
 * otherwise): the simulated price is the last closed 1-minute bar, so it holds still until then.
 */
export async function earlyInAMinute(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute < 40_000) return;
  await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 500));
}
