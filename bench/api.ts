/**
 * npm run bench:api — the client API under 50 concurrent dashboard users, over real HTTP on
 * 127.0.0.1 against PostgreSQL (bearer check against the users table on every request). Each
 * user loads the agent list and one agent's page data (detail, trades, candles, equity, profit,
 * logs: 7 requests, one after another) and starts its next view BENCH_CYCLE_MS (2000) after the
 * last began: far busier than people are, as live updates come over /ws.
 *   api_p95_ms          p95 of every request of those views (goal < 20)
 *   api_list_p95_ms     p95 of GET /api/v1/agents
 *   api_agent_p95_ms    p95 of the agent page's requests; api_agent_<part>_p95_ms for each
 *   api_requests        requests answered in the measured run
 *   api_failures        answers other than 200 (must be 0)
 *   api_max_rps         requests per second the same 50 users get with no pause (saturation)
 *   app_js_gzip_kb      the dashboard's first load, gzipped JavaScript (goal ≤ 150; bench/app.ts has the detail)
 * Seeded: 50 users (BENCH_USERS) × 4 agents (BENCH_AGENTS) × 100 closed trades (BENCH_TRADES)
 * and 200 log lines each. The load generator runs in a separate process (bench/support/api-load.ts).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseConfig } from '../src/config.js';
import { initOrm } from '../src/db/orm.js';
import { resolveDevSecrets } from '../src/dev-secrets.js';
import { storeLogBatch } from '../src/hub/agents/agent-logs.js';
import { createHub } from '../src/hub/hub.js';
import { apiRoutes } from '../src/http/routes/api/index.js';
import { supportedSymbolsFor } from '../src/bot/bot.js';
import { createLogger } from '../src/logger.js';
import { createFakeRuntime } from '../test/support/bot-harness.js';
import { buildTestHttpServer } from '../test/support/internal-server.js';
import { benchDatabase, percentile } from './support/bench-db.js';
import { buildApp } from '../scripts/build-app.js';

const run = promisify(execFile);
const USERS = Number(process.env.BENCH_USERS ?? 50);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 4);
const TRADES = Number(process.env.BENCH_TRADES ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CYCLE_MS = Number(process.env.BENCH_CYCLE_MS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);

interface LoadResult {
  latencies: { list: number[]; agent: number[] };
  byPart: Record<string, number[]>;
  failures: number;
  rps: number;
}

async function generate(load: object): Promise<LoadResult> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', new URL('./support/api-load.ts', import.meta.url).pathname], {
    env: { ...process.env, LOAD: JSON.stringify(load) },
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

const db = await benchDatabase('api');
const orm = await initOrm(db.url);
const logger = createLogger({ level: 'warn' });
const config = resolveDevSecrets(
  parseConfig({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'artic-bench-api-')), MARKET_DATA: 'simulated', ACCESS_MODE: 'open' }),
);
const hub = await createHub({ config, orm, logger, httpPort: () => 0, runtime: createFakeRuntime() });

/** Closed trades of one agent, one an hour up to now, inserted in one statement. */
async function seedTrades(agentId: string): Promise<void> {
  const rows = Array.from({ length: TRADES }, (_, i) => {
    const closedAt = new Date(Date.now() - (TRADES - i) * 3_600_000);
    const pnl = ((i * 37) % 21) - 9;
    return { id: randomUUID(), closedAt: closedAt.toISOString(), openedAt: new Date(closedAt.getTime() - 1_800_000).toISOString(), pnl };
  });
  await orm.em.getConnection().execute(
    `insert into trades (id, agent_id, side, qty, leverage, margin, entry_price, exit_price, fees, pnl, status, close_reason, live,
                         opened_at, closed_at, exchange_order_ids, idempotency_key, close_idempotency_key)
     select v.id::uuid, ?::uuid, 'long', 0.01, 5, 100, 65000, 65000 + v.pnl * 100, 0.1, v.pnl, 'closed', 'signal', false,
            v.opened_at, v.closed_at, '[]'::jsonb, 'bench-' || v.id, 'bench-close-' || v.id
     from jsonb_to_recordset(?::jsonb) as v(id text, pnl float8, opened_at timestamptz, closed_at timestamptz)`,
    [agentId, JSON.stringify(rows.map((r) => ({ id: r.id, pnl: r.pnl, opened_at: r.openedAt, closed_at: r.closedAt })))],
  );
}

const clients: Array<{ token: string; agentIds: string[] }> = [];
for (let u = 0; u < USERS; u++) {
  const { user } = await hub.users.register(1_000_000 + u, `bench-${u}`);
  const agentIds: string[] = [];
  for (let a = 0; a < AGENTS; a++) {
    const agent = await hub.agents.create(user.id, { name: `bench-${u}-${a}`, symbol: a % 2 ? 'ETHUSDT' : 'BTCUSDT', amountUsdt: 1000 });
    agentIds.push(agent.id);
    await seedTrades(agent.id);
    const ts = new Date().toISOString();
    await storeLogBatch(
      orm,
      agent.id,
      Array.from({ length: 200 }, (_, i) => ({
        seq: i + 1,
        level: (['debug', 'info', 'warn', 'error'] as const)[i % 4]!,
        message: `tick ${i}`,
        ts,
      })),
    );
  }
  clients.push({ token: await hub.userTokens.issue(user.id, 3600), agentIds });
}

const app = await buildTestHttpServer(
  [{ plugin: apiRoutes, options: { hub, maxLeverage: config.agents.maxLeverage, supportedSymbols: supportedSymbolsFor(config) } }],
  logger,
);
await app.listen({ host: '127.0.0.1', port: 0 });
const port = (app.server.address() as { port: number }).port;

// Warm up: JIT, the connection pool, the candle cache.
const load = { port, clients, concurrency: CONCURRENCY };
await generate({ ...load, durationMs: 3000, cycleMs: CYCLE_MS });
const measured = await generate({ ...load, durationMs: SECONDS * 1000, cycleMs: CYCLE_MS });
const saturated = await generate({ ...load, durationMs: Math.min(SECONDS, 5) * 1000, cycleMs: 0 });
const all = [...measured.latencies.list, ...measured.latencies.agent];
const p95 = (values: number[]) => percentile(values, 95).toFixed(2);

console.log(`api_p95_ms=${p95(all)}`);
console.log(`api_list_p95_ms=${p95(measured.latencies.list)}`);
console.log(`api_agent_p95_ms=${p95(measured.latencies.agent)}`);
for (const [part, values] of Object.entries(measured.byPart))
  console.log(`api_agent_${part.split('?')[0]!.slice(1) || 'detail'}_p95_ms=${p95(values)}`);
console.log(`api_requests=${all.length}`);
console.log(`api_failures=${measured.failures + saturated.failures}`);
console.log(`api_max_rps=${saturated.rps.toFixed(0)}`);

const appDir = mkdtempSync(path.join(os.tmpdir(), 'artic-bench-app-'));
const firstLoad = await buildApp(path.join(appDir, 'app'));
rmSync(appDir, { recursive: true, force: true });
console.log(`app_js_gzip_kb=${(firstLoad.jsGzipBytes / 1024).toFixed(1)}`);

await app.close();
await hub.stop();
await orm.close(true);
await db.close();
