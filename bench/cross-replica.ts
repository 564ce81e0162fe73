/**
 * npm run bench:cross-replica — two hubs (`startApp` twice, in this process) on one PostgreSQL:
 * agents push status to hub A, a WebSocket client of their owner listens on hub B; each event
 * crosses through the event bridge (LISTEN/NOTIFY). Prints:
 *   cross_replica_event_p50_ms / _p99_ms / _max_ms   push posted to A → event on B's socket (goal p99 < 50)
 *   cross_replica_sent / _received                   pushes accepted by A / seen on B
 *   cross_replica_events_per_notify                  how many events A packed per NOTIFY
 * BENCH_AGENTS (default 100) agents push every 100 ms for BENCH_SECONDS (default 10). Both hubs and
 * the load share this process (and the machine's cores), so the numbers are an upper bound.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, type App } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { resolveDevSecrets } from '../src/dev-secrets.js';
import { createLogger } from '../src/logger.js';
import { performance } from 'node:perf_hooks';
import { benchDatabase, percentile } from './support/bench-db.js';
import { measureCrossReplica } from './support/cross-replica.js';
import { freePort } from '../test/support/ports.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

const db = await benchDatabase('cross');
const logger = createLogger({ level: 'warn' });
const shared = {
  DATABASE_URL: db.url,
  HOST: '127.0.0.1',
  METRICS_PORT: '0', // two hubs in one process: each its own free metrics port
  MARKET_DATA: 'simulated',
  AGENT_RUNTIME: 'process',
  MAX_AGENTS_PER_USER: String(AGENTS + 1),
  INTERNAL_SECRET: 'bench-internal-secret-'.repeat(3),
  JWT_SECRET: 'bench-jwt-secret-'.repeat(3),
  ENCRYPTION_KEY: '0123456789abcdef'.repeat(4),
};
const start = async (replica: string): Promise<App> =>
  startApp(
    resolveDevSecrets(
      parseConfig({
        ...shared,
        PORT: String(await freePort()),
        HUB_REPLICA_ID: replica,
        DATA_DIR: mkdtempSync(path.join(os.tmpdir(), `artic-${replica}-`)),
      }),
    ),
    { logger },
  );

/** The bridge alone: an event emitted on A's bus → on B's bus (no HTTP, no WebSocket), 200 a second for 3 s. */
async function measureBridgeOnly(a: App, b: App, ownerId: string, agentId: string): Promise<{ p50: number; p99: number }> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const off = b.hub.events.on('agent.status', (e) => {
    const at = sentAt.get(e.status.lastAction ?? '');
    if (at !== undefined) latencies.push(performance.now() - at);
  });
  for (let i = 0; i < 600; i++) {
    const lastAction = `bridge ${i}`;
    sentAt.set(lastAction, performance.now());
    const status = { state: 'running', price: 1, position: null, unrealizedPnl: 0, realizedPnl: 0, strategy: null, lastAction } as const;
    a.hub.events.emit('agent.status', { agentId, ownerId, agentName: 'bench', status: status as never });
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  off();
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const a = await start('bench-a');
const b = await start('bench-b');
try {
  const ownerId = (await a.hub.users.register(777_001, 'Bench')).user.id;
  const agents: { id: string; token: string }[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const { id } = await a.hub.agents.create(ownerId, { name: `bench-${i}`, symbol: 'BTCUSDT', amountUsdt: 100 });
    agents.push({ id, token: await a.hub.agentAuth.issue(id) });
  }
  const before = { ...a.eventBridge.stats };
  const result = await measureCrossReplica(
    { pushBaseUrl: a.url, wsUrl: `${b.url.replace('http', 'ws')}/ws`, userToken: await b.hub.userTokens.issue(ownerId), agents },
    { seconds: SECONDS },
  );
  const events = a.eventBridge.stats.published - before.published;
  const notifies = a.eventBridge.stats.notifies - before.notifies;
  console.log(`cross_replica_agents=${AGENTS}`);
  console.log(`cross_replica_event_p50_ms=${result.p50Ms.toFixed(2)}`);
  console.log(`cross_replica_event_p99_ms=${result.p99Ms.toFixed(2)}`);
  console.log(`cross_replica_event_max_ms=${result.maxMs.toFixed(2)}`);
  console.log(`cross_replica_push_p50_ms=${result.pushP50Ms.toFixed(2)}`);
  console.log(`cross_replica_sent=${result.sent}`);
  console.log(`cross_replica_received=${result.received}`);
  console.log(`cross_replica_push_errors=${result.pushErrors}`);
  const bridge = await measureBridgeOnly(a, b, ownerId, agents[0]!.id);
  console.log(`bridge_only_p50_ms=${bridge.p50.toFixed(2)}`);
  console.log(`bridge_only_p99_ms=${bridge.p99.toFixed(2)}`);
  console.log(`cross_replica_events_per_notify=${(events / Math.max(notifies, 1)).toFixed(1)}`);
} finally {
  await b.stop();
  await a.stop();
  await db.close();
}
