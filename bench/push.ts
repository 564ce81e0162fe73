/**
 * npm run bench:push — the agent push path under load, against the real HTTP server and
 * PostgreSQL (agent-token auth, schema validation, persistence on).
 *   push_p99_ms       200 simulated agents pushing status every 100 ms (2,000/s offered)
 *   push_max_rps      as fast as 50 connections can push
 *   fastify_bare_rps  a bare Fastify route taking the same body, same run, same load generator
 * The load generator runs in a separate process (bench/support/push-load.ts).
 */
import Fastify from 'fastify';
import { percentile } from './support/bench-db.js';
import { generate, startPushTarget } from './support/push-target.js';

const AGENTS = 200;
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 10);
const SATURATE_SECONDS = Number(process.env.BENCH_SATURATE_SECONDS ?? 5);

const target = await startPushTarget('push', AGENTS);
const { port, targets, orm, ingest } = target;

// Warm up (JIT, connection pool, agent-owner cache).
await generate({ port, mode: 'saturate', targets, durationMs: 1000, connections: 50 });

const paced = await generate({ port, mode: 'paced', targets, durationMs: PACED_SECONDS * 1000, intervalMs: 100 });
const saturated = await generate({ port, mode: 'saturate', targets, durationMs: SATURATE_SECONDS * 1000, connections: 50 });
await ingest.flush();
const [{ n: written }] = await orm.em.getConnection().execute('select count(*)::int as n from agents where last_status_at is not null');

const bare = Fastify({ logger: false });
bare.post('/internal/agents/:id/status', async (_req, reply) => reply.code(202).send({ accepted: true }));
await bare.listen({ host: '127.0.0.1', port: 0 });
const barePort = (bare.server.address() as { port: number }).port;
await generate({ port: barePort, mode: 'saturate', targets, durationMs: 1000, connections: 50 });
const bareRun = await generate({ port: barePort, mode: 'saturate', targets, durationMs: SATURATE_SECONDS * 1000, connections: 50 });

const offered = (AGENTS * 1000) / 100;
const achieved = paced.latencies.length / paced.seconds;
console.log(`push_offered_per_s=${offered}`);
console.log(`push_achieved_per_s=${achieved.toFixed(0)}`);
console.log(`push_p50_ms=${percentile(paced.latencies, 50).toFixed(2)}`);
console.log(`push_p99_ms=${percentile(paced.latencies, 99).toFixed(2)}`);
console.log(`push_errors=${paced.errors + saturated.errors}`);
console.log(`push_max_rps=${saturated.rps.toFixed(0)}`);
console.log(`fastify_bare_rps=${bareRun.rps.toFixed(0)}`);
console.log(`push_vs_bare_pct=${((saturated.rps / bareRun.rps) * 100).toFixed(1)}`);
console.log(`status_rows_written=${written}`);

await bare.close();
await ingest.close();
await target.close();
