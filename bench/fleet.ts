/**
 * npm run bench:fleet — how many agents one host carries: N paper agents on the 1m timeframe
 * (a strategy of the library each, fixed 0.3 % TP/SL so they trade) on the simulated market, for a
 * fixed time, with the Bot API stand-in receiving the alerts. The hub runs as its own process
 * (bench/support/fleet-hub.ts) so /proc tells its CPU and memory apart from the bench's and the
 * agents'. Prints `name=value` lines:
 *   hub_cpu_pct                   hub CPU, % of one core, averaged over the measured window
 *   hub_rss_mb                    hub peak VmRSS (sampled every 2 s)
 *   agent_rss_mb_p50 / _max       per agent peak resident memory: VmRSS of the process, or the
 *                                 container's cgroup anon + mapped file pages
 *   agent_pss_mb_p50              process runtime: per agent peak PSS (shared pages counted once);
 *                                 docker: cgroup anon. What one more agent costs the host.
 *   agent_cpu_pct_p50             agent CPU, % of one core, averaged over the window
 *   push_p99_ms / push_p50_ms     status push service time at the hub, arrival → answer sent
 *   status_pushes                 status pushes the hub served in the window
 *   ticks_missed                  agent ticks that began more than one interval late (the agents'
 *                                 own count, `lateTicks` in their status), in the window
 *   alerts_sent                   sendMessage calls the Bot API stand-in answered
 *   db_growth_kb_per_agent_hour   pg_database_size growth over the window, per agent and hour
 *   agents_per_host_estimate, limiting_resource
 *                                 what fits in 24 GiB and 2 cores at these figures (see HOST_*)
 *   load_avg_1m                   the machine's load when the window ended (other work skews it)
 *
 * Env: FLEET_RUNTIME (docker when an engine and the image are there, else process),
 * FLEET_AGENTS (100 on process, 50 on docker), FLEET_SECONDS (300), FLEET_WARMUP_SECONDS (30),
 * AGENT_IMAGE (artic-agent:latest), AGENT_NODE_OPTIONS (the hub's default), DATABASE_URL (else an embedded PostgreSQL).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import pg from 'pg';
import { dockerAvailable } from '../src/hub/runtime/docker-runtime.js';
import { startBotApiServer } from '../test/support/bot-api-server.js';
import { freePort, freePortRange } from '../test/support/ports.js';
import { benchDatabase, percentile } from './support/bench-db.js';
import type { FleetHubReport, FleetHubRequest } from './support/fleet-hub.js';
import { containerProbe, processProbe, type Probe } from './support/proc-stats.js';
import { hostEstimate } from './support/fleet-estimate.js';

const IMAGE = process.env.AGENT_IMAGE ?? 'artic-agent:latest';
const SAMPLE_MS = 2000;

async function chooseRuntime(): Promise<'docker' | 'process'> {
  const forced = process.env.FLEET_RUNTIME;
  if (forced === 'docker' || forced === 'process') return forced;
  if (forced) throw new Error(`FLEET_RUNTIME must be docker or process, not ${forced}`);
  const docker = new Docker();
  if (!(await dockerAvailable(docker))) return 'process';
  return (await docker
    .getImage(IMAGE)
    .inspect()
    .then(() => true)
    .catch(() => false))
    ? 'docker'
    : 'process';
}

/** Sends a request to the hub process and waits for its answer. */
function ask<T>(hub: ChildProcess, request: FleetHubRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: T & { error?: string }) => {
      hub.off('exit', onExit);
      if (m.error) reject(new Error(`fleet hub: ${m.error}`));
      else resolve(m);
    };
    const onExit = (code: number | null) => reject(new Error(`fleet hub exited (${code}) during ${request.cmd}`));
    hub.once('message', onMessage);
    hub.once('exit', onExit);
    hub.send(request);
  });
}

async function startHub(env: Record<string, string>): Promise<ChildProcess> {
  const hub = fork(path.join(import.meta.dirname, 'support/fleet-hub.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    hub.once('message', () => resolve());
    hub.once('exit', (code) => reject(new Error(`fleet hub exited (${code}) before it was up`)));
  });
  return hub;
}

async function dbSize(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ size: string }>('select pg_database_size(current_database()) as size');
    return Number(rows[0]!.size);
  } finally {
    await client.end();
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function probeOf(handle: string): Probe {
  return handle.startsWith('pid:') ? processProbe(Number(handle.slice(4))) : containerProbe(handle);
}

/**
 * One agent's CPU seconds over the window and its peak memory, across restarts: when the hub
 * restarts it, the new process or container is followed from its start (its CPU so far counts).
 */
function trackAgent(handle: string) {
  let current = handle;
  let probe = probeOf(handle);
  let startCpu = probe.cpuSeconds();
  let lastCpu = startCpu;
  let before = 0;
  const peak = { rssMb: 0, costMb: 0 };
  return {
    peak,
    sample(now: string | undefined) {
      try {
        if (now && now !== current) {
          before += lastCpu - startCpu;
          current = now;
          probe = probeOf(now);
          startCpu = 0;
        }
        lastCpu = probe.cpuSeconds();
        const m = probe.memory();
        peak.rssMb = Math.max(peak.rssMb, m.rssMb);
        peak.costMb = Math.max(peak.costMb, m.costMb);
      } catch {
        // Gone between the hub's answer and the read (a restart under way): the next sample follows it.
      }
    },
    cpuSeconds: () => before + lastCpu - startCpu,
  };
}

async function main(): Promise<void> {
  const runtime = await chooseRuntime();
  const agents = Number(process.env.FLEET_AGENTS ?? (runtime === 'docker' ? 50 : 100));
  const seconds = Number(process.env.FLEET_SECONDS ?? 300);
  const warmup = Number(process.env.FLEET_WARMUP_SECONDS ?? 30);
  const db = await benchDatabase('fleet');
  const botApi = await startBotApiServer();
  const range = await freePortRange(agents + 5);
  let hub: ChildProcess | undefined;
  try {
    hub = await startHub({
      DATABASE_URL: db.url,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'artic-bench-fleet-')),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      MARKET_DATA: 'simulated',
      AGENT_RUNTIME: runtime,
      AGENT_IMAGE: IMAGE,
      AGENT_PORT_RANGE: `${range.from}-${range.to}`,
      ACCESS_MODE: 'open',
      INTERNAL_SECRET: randomBytes(32).toString('hex'),
      JWT_SECRET: randomBytes(32).toString('hex'),
      ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      TELEGRAM_BOT_TOKEN: '1:fleet-bench',
      TELEGRAM_API_ROOT: botApi.apiRoot,
      ...(process.env.AGENT_CPUS ? { AGENT_CPUS: process.env.AGENT_CPUS } : {}),
      ...(process.env.AGENT_NODE_OPTIONS !== undefined ? { AGENT_NODE_OPTIONS: process.env.AGENT_NODE_OPTIONS } : {}),
    });
    const hubProbe = processProbe(hub.pid!);
    const spawnStart = performance.now();
    const { agents: placed } = await ask<{ agents: Array<{ id: string; handle: string }> }>(hub, { cmd: 'spawn', agents });
    console.log(`runtime=${runtime}`);
    console.log(`agents=${agents}`);
    console.log(`spawn_all_seconds=${((performance.now() - spawnStart) / 1000).toFixed(1)}`);
    await new Promise((r) => setTimeout(r, warmup * 1000));

    await ask(hub, { cmd: 'window' });
    const t0 = performance.now();
    const hubCpu0 = hubProbe.cpuSeconds();
    const trackers = placed.map((a) => trackAgent(a.handle));
    const size0 = await dbSize(db.url);
    let hubPeak = 0;
    const sample = async () => {
      hubPeak = Math.max(hubPeak, hubProbe.memory().rssMb);
      const { handles } = await ask<{ handles: Record<string, string> }>(hub!, { cmd: 'handles' });
      placed.forEach((a, i) => trackers[i]!.sample(handles[a.id]));
    };
    await sample();
    const until = performance.now() + seconds * 1000;
    while (performance.now() < until) {
      await new Promise((r) => setTimeout(r, Math.min(SAMPLE_MS, Math.max(0, until - performance.now()))));
      await sample();
    }
    const wall = (performance.now() - t0) / 1000;
    const hubCpuPct = ((hubProbe.cpuSeconds() - hubCpu0) / wall) * 100;
    const agentCpuPct = trackers.map((t) => (t.cpuSeconds() / wall) * 100);
    const agentPeak = trackers.map((t) => t.peak);
    const size1 = await dbSize(db.url);
    const report = await ask<FleetHubReport>(hub, { cmd: 'report' });
    const load = os.loadavg()[0]!;

    const rss = agentPeak.map((a) => a.rssMb);
    const cost = agentPeak.map((a) => a.costMb);
    const late = sum(placed.map((a) => (report.lateTicks[a.id] ?? 0) - (report.lateAtWindow[a.id] ?? 0)));
    const silent = placed.filter((a) => !report.pushes[a.id]).length;
    const estimate = hostEstimate({
      agents,
      hubRssMb: hubPeak,
      hubCpuPct,
      agentCostMb: percentile(cost, 50),
      agentCpuPct: percentile(agentCpuPct, 50),
    });
    const lines: Record<string, string | number> = {
      seconds: wall.toFixed(0),
      hub_cpu_pct: hubCpuPct.toFixed(1),
      hub_rss_mb: hubPeak.toFixed(0),
      agent_rss_mb_p50: percentile(rss, 50).toFixed(1),
      agent_rss_mb_max: Math.max(...rss).toFixed(1),
      agent_pss_mb_p50: percentile(cost, 50).toFixed(1),
      agent_cpu_pct_p50: percentile(agentCpuPct, 50).toFixed(2),
      agent_cpu_pct_max: Math.max(...agentCpuPct).toFixed(2),
      push_p50_ms: percentile(report.pushMs, 50).toFixed(2),
      push_p99_ms: percentile(report.pushMs, 99).toFixed(2),
      status_pushes: report.pushMs.length,
      agents_silent: silent,
      agent_crashes: report.crashes.length,
      ticks_missed: late,
      alerts_sent: botApi.succeeded('sendMessage').length,
      db_growth_kb_per_agent_hour: ((size1 - size0) / 1024 / agents / (wall / 3600)).toFixed(0),
      agents_per_host_estimate: estimate.agents,
      limiting_resource: estimate.limit,
      agents_by_memory: estimate.byMemory,
      agents_by_cpu: estimate.byCpu,
      load_avg_1m: load.toFixed(2),
    };
    for (const [k, v] of Object.entries(lines)) console.log(`${k}=${v}`);
    for (const c of report.crashes) console.error(`crash ${c.agentId}: ${c.reason}`);
  } finally {
    if (hub && hub.exitCode === null) await ask(hub, { cmd: 'stop' }).catch(() => hub?.kill('SIGKILL'));
    await botApi.close();
    await db.close();
  }
}

await main();
