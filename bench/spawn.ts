/**
 * npm run bench:spawn — how long the hub takes from "create" to "running" for an agent.
 *   spawn_p50_ms / spawn_p95_ms   docker runtime, 20 agents started one after another
 *   docker_run_p50_ms             a bare `docker run` of the same image, with the same limits and
 *                                 security options the hub sets, to its first /health answer
 *   docker_run_plain_p50_ms       the same without those options (what the hardening costs)
 *   process_spawn_p50_ms          process runtime, 10 agents
 *   hub_overhead_pct              (spawn_p50 − docker_run_p50) / docker_run_p50
 * Needs a Docker engine and the agent image (npm run build:agent-image); agents use the host
 * network on 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { startApp } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { resolveDevSecrets } from '../src/dev-secrets.js';
import { dockerAvailable, MANAGED_LABEL } from '../src/hub/runtime/docker-runtime.js';
import { createLogger } from '../src/logger.js';
import { freePort } from '../test/support/ports.js';
import { benchDatabase, percentile } from './support/bench-db.js';

const run = promisify(execFile);
const IMAGE = process.env.AGENT_IMAGE ?? 'artic-agent:latest';
const DOCKER_AGENTS = Number(process.env.BENCH_SPAWN_AGENTS ?? 20);
const PROCESS_AGENTS = Number(process.env.BENCH_PROCESS_AGENTS ?? 10);

async function measureHub(runtime: 'docker' | 'process', count: number, dbUrl: string): Promise<number[]> {
  const port = await freePort();
  const from = 30_000 + Math.floor(Math.random() * 20_000);
  const config = resolveDevSecrets(
    parseConfig({
      DATABASE_URL: dbUrl,
      PORT: String(port),
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'artic-bench-spawn-')),
      LOG_LEVEL: 'warn',
      MARKET_DATA: 'simulated',
      METRICS_PORT: '0',
      AGENT_RUNTIME: runtime,
      AGENT_IMAGE: IMAGE,
      ...(process.env.AGENT_CPUS ? { AGENT_CPUS: process.env.AGENT_CPUS } : {}),
      AGENT_PORT_RANGE: `${from}-${from + count + 10}`,
    }),
  );
  const app = await startApp(config, { logger: createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' }) });
  const { user } = await app.hub.users.register(runtime === 'docker' ? 1 : 2, 'bench');
  const times: number[] = [];
  const ids: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      const agent = await app.hub.agents.create(user.id, { name: `${runtime}-${i}`, symbol: 'BTCUSDT', amountUsdt: 100 });
      await app.hub.lifecycle.start(user.id, agent.id);
      times.push(performance.now() - t0);
      ids.push(agent.id);
    }
  } finally {
    for (const id of ids) await app.hub.lifecycle.stop(user.id, id).catch(() => undefined);
    await app.stop();
  }
  return times;
}

/** The container settings the hub applies (src/hub/runtime/docker-runtime.ts), as docker CLI flags. */
const HARDENED = [
  '--memory',
  '256m',
  '--memory-swap',
  '256m',
  '--cpus',
  process.env.AGENT_CPUS ?? '0.5',
  '--pids-limit',
  '256',
  '--read-only',
  '--tmpfs',
  '/tmp:rw,noexec,nosuid,size=16m',
  '--cap-drop',
  'ALL',
  '--security-opt',
  'no-new-privileges',
  '--user',
  '10001:10001',
  '--log-opt',
  'max-size=10m',
  '--log-opt',
  'max-file=3',
];

async function bareDockerRun(count: number, flags: string[] = HARDENED): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const name = `artic-bench-bare-${process.pid}-${i}`;
    const t0 = performance.now();
    await run('docker', [
      'run',
      '-d',
      '--rm',
      '--name',
      name,
      '--network',
      'host',
      '--label',
      `${MANAGED_LABEL}=bench`,
      ...flags,
      '-e',
      `PORT=${port}`,
      '-e',
      'HOST=127.0.0.1',
      '-e',
      'AGENT_ID=00000000-0000-4000-8000-000000000000',
      '-e',
      'AGENT_TOKEN=bench',
      '-e',
      'HUB_URL=http://127.0.0.1:1',
      IMAGE,
    ]);
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`, {
          headers: { authorization: 'Bearer bench' },
          signal: AbortSignal.timeout(1000),
        });
        if (res.ok) break;
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    times.push(performance.now() - t0);
    await run('docker', ['rm', '-f', name]).catch(() => undefined);
  }
  return times;
}

const hasDocker = await dockerAvailable(new Docker());
const db = await benchDatabase('spawn');
try {
  if (hasDocker) {
    await bareDockerRun(2); // warm the engine and page cache
    const bare = await bareDockerRun(DOCKER_AGENTS);
    const plain = await bareDockerRun(DOCKER_AGENTS, []);
    const hub = await measureHub('docker', DOCKER_AGENTS, db.url);
    const p50 = percentile(hub, 50);
    const bareP50 = percentile(bare, 50);
    console.log(`spawn_p50_ms=${p50.toFixed(0)}`);
    console.log(`spawn_p95_ms=${percentile(hub, 95).toFixed(0)}`);
    console.log(`docker_run_p50_ms=${bareP50.toFixed(0)}`);
    console.log(`docker_run_plain_p50_ms=${percentile(plain, 50).toFixed(0)}`);
    console.log(`hub_overhead_pct=${(((p50 - bareP50) / bareP50) * 100).toFixed(1)}`);
  } else {
    console.log('docker_unavailable=1');
  }
  const proc = await measureHub('process', PROCESS_AGENTS, db.url);
  console.log(`process_spawn_p50_ms=${percentile(proc, 50).toFixed(0)}`);
  console.log(`process_spawn_p95_ms=${percentile(proc, 95).toFixed(0)}`);
} finally {
  await db.close();
}
