/**
 * npm run bench:metrics — what a Prometheus scrape costs the hub with 100 running agents
 * (BENCH_AGENTS), 10 users, 1,000 chain outbox entries waiting and a few thousand status pushes
 * observed, over real HTTP on the metrics listener (127.0.0.1) against PostgreSQL.
 *   metrics_scrape_ms        median time of one scrape (readings snapshot + exposition), 200 scrapes
 *   metrics_scrape_p95_ms    its p95
 *   metrics_scrape_kb        size of one exposition
 *   status_push_observe_ns   one status-push histogram observation (the hot path's cost)
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../src/config.js';
import { initOrm } from '../src/db/orm.js';
import { resolveDevSecrets } from '../src/dev-secrets.js';
import { startMetricsListener } from '../src/http/metrics-listener.js';
import { createHub } from '../src/hub/hub.js';
import { createHubMetrics } from '../src/hub/ops/metrics.js';
import { createOpsReadings } from '../src/hub/ops/readings.js';
import { createLogger } from '../src/logger.js';
import { createFakeRuntime } from '../test/support/bot-harness.js';
import { benchDatabase, percentile } from './support/bench-db.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 100);
const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 200);

const db = await benchDatabase('metrics');
const orm = await initOrm(db.url);
const logger = createLogger({ level: 'warn' });
const from = 30_000 + Math.floor(Math.random() * 20_000);
const config = resolveDevSecrets(
  parseConfig({
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'artic-bench-metrics-')),
    MARKET_DATA: 'simulated',
    ACCESS_MODE: 'open',
    MAX_RUNNING_AGENTS_PER_USER: '100',
    MAX_AGENTS_PER_USER: '100',
    AGENT_PORT_RANGE: `${from}-${from + AGENTS + 10}`,
  }),
);
const metrics = createHubMetrics();
const runtime = createFakeRuntime();
const hub = await createHub({ config, orm, logger, httpPort: () => 0, runtime, probes: metrics.probes });
const readings = createOpsReadings({ orm, events: hub.events, chain: hub.chain, market: hub.market, backtests: hub.backtests });
metrics.attach({ events: hub.events, readings, candles: hub.market.service, provider: hub.market.provider });

for (let i = 0; i < AGENTS; i++) {
  const { user } = await hub.users.register(2_000_000 + (i % 10), `bench-${i % 10}`);
  const agent = await hub.agents.create(user.id, { name: `metered-${i}`, symbol: i % 2 ? 'ETHUSDT' : 'BTCUSDT', amountUsdt: 100 });
  await hub.lifecycle.start(user.id, agent.id);
}
await orm.em.getConnection().execute(
  `insert into chain_outbox (kind, payload, status, attempts, next_attempt_at, created_at)
   select 'decision', '{}'::jsonb, 'pending', 0, now(), now() - (g || ' seconds')::interval from generate_series(1, 1000) g`,
);

const OBSERVATIONS = 1_000_000;
let t = process.hrtime.bigint();
for (let i = 0; i < OBSERVATIONS; i++) metrics.observeStatusPush((i % 50) / 10);
const observeNs = Number(process.hrtime.bigint() - t) / OBSERVATIONS;

const listener = await startMetricsListener({
  host: '127.0.0.1',
  port: 0,
  render: () => metrics.render(),
  contentType: metrics.contentType,
  logger,
});
const times: number[] = [];
let bytes = 0;
for (let i = 0; i < SCRAPES + 10; i++) {
  t = process.hrtime.bigint();
  const text = await (await fetch(`${listener.url}/metrics`)).text();
  if (i >= 10) times.push(Number(process.hrtime.bigint() - t) / 1e6);
  bytes = Buffer.byteLength(text);
  if (!text.includes(`artic_agents{status="running"} ${AGENTS}`)) throw new Error('the scrape does not show the running agents');
}

console.log(`metrics_scrape_ms=${percentile(times, 50).toFixed(2)}`);
console.log(`metrics_scrape_p95_ms=${percentile(times, 95).toFixed(2)}`);
console.log(`metrics_scrape_kb=${(bytes / 1024).toFixed(1)}`);
console.log(`status_push_observe_ns=${observeNs.toFixed(0)}`);

await listener.close();
readings.close();
metrics.close();
await hub.stop();
await orm.close(true);
await db.close();
