/**
 * The hub of `npm run bench:fleet`, as its own process so that its CPU and memory can be read
 * from /proc without the bench's own work. It runs the real app (`startApp`) from the environment
 * the bench gives it, plus two cheap observers that the bench asks for over IPC:
 *   - status-push latency as the hub serves it: from the request's arrival at the HTTP server to
 *     the end of its answer (a 'request' listener on the server, next to Fastify's);
 *   - the newest status of each agent from the `agent.status` event (late ticks, push count).
 *
 * IPC (parent → child → parent): {cmd:'spawn', agents} → {agents:[{id, handle}]};
 * {cmd:'window'} starts the measured window (drops what was observed so far);
 * {cmd:'report'} → FleetHubReport; {cmd:'stop'} stops the agents and the app, then exits.
 */
import { parseConfig } from '../../src/config.js';
import { resolveDevSecrets } from '../../src/dev-secrets.js';
import { startApp, type App } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { STRATEGY_NAMES } from '../../src/shared/strategy-names.js';

export interface FleetHubReport {
  /** Status-push service times in the window, ms. */
  pushMs: number[];
  /** Status pushes per agent in the window. */
  pushes: Record<string, number>;
  /** Late ticks per agent (the agent's own count, from its newest status). */
  lateTicks: Record<string, number>;
  /** Late ticks per agent when the window began. */
  lateAtWindow: Record<string, number>;
  /** Crashes the hub saw in the window, with its reason. */
  crashes: Array<{ agentId: string; reason: string }>;
}

export type FleetHubRequest =
  { cmd: 'spawn'; agents: number } | { cmd: 'handles' } | { cmd: 'window' } | { cmd: 'report' } | { cmd: 'stop' };

/** Agents per trader: a fleet is many traders with a few agents each. */
const AGENTS_PER_USER = 5;
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT', 'XRPUSDT'];
const STATUS_PATH = /^\/internal\/agents\/[^/]+\/status$/;

function send(message: unknown): void {
  process.send?.(message);
}

function observe(app: App) {
  let pushMs: number[] = [];
  let pushes: Record<string, number> = {};
  const lateTicks: Record<string, number> = {};
  let lateAtWindow: Record<string, number> = {};
  let crashes: Array<{ agentId: string; reason: string }> = [];
  app.hub.events.on('agent.crashed', (e) =>
    crashes.push({ agentId: e.agentId, reason: `${e.reason}${e.oom ? ' (oom)' : ''}: ${e.lastLogs.slice(-3).join(' | ')}` }),
  );
  app.http.server.on('request', (req, res) => {
    if (req.method !== 'POST' || !STATUS_PATH.test(req.url ?? '')) return;
    const t0 = performance.now();
    res.once('finish', () => pushMs.push(performance.now() - t0));
  });
  app.hub.events.on('agent.status', ({ agentId, status }) => {
    pushes[agentId] = (pushes[agentId] ?? 0) + 1;
    if (status.lateTicks !== undefined) lateTicks[agentId] = status.lateTicks;
  });
  return {
    window() {
      pushMs = [];
      pushes = {};
      crashes = [];
      lateAtWindow = { ...lateTicks };
    },
    report: (): FleetHubReport => ({ pushMs, pushes, lateTicks, lateAtWindow, crashes }),
  };
}

/** Agents started at once: spawning 100 one by one takes minutes on a loaded machine. */
const START_CONCURRENCY = 4;

/** Creates and starts `count` paper agents on the 1m timeframe, a few per trader, each with a strategy of the library. */
async function spawnFleet(app: App, count: number): Promise<Array<{ id: string; ownerId: string; handle: string }>> {
  const created: Array<{ id: string; ownerId: string }> = [];
  let userId = '';
  for (let i = 0; i < count; i++) {
    if (i % AGENTS_PER_USER === 0) userId = (await app.hub.users.register(700_000 + i / AGENTS_PER_USER, `fleet ${i}`)).user.id;
    const agent = await app.hub.agents.create(userId, {
      name: `fleet-${i}`,
      symbol: SYMBOLS[i % SYMBOLS.length]!,
      amountUsdt: 100,
      timeframe: '1m',
      strategy: STRATEGY_NAMES[i % STRATEGY_NAMES.length]!,
      tpSlMode: 'fixed',
      tpPct: 0.3,
      slPct: 0.3,
    });
    created.push({ id: agent.id, ownerId: userId });
  }
  const queue = [...created];
  const starter = async () => {
    for (let a = queue.shift(); a; a = queue.shift()) await app.hub.lifecycle.start(a.ownerId, a.id);
  };
  await Promise.all(Array.from({ length: START_CONCURRENCY }, starter));
  const handles = new Map((await app.hub.runtime.list()).map((m) => [m.agentId, m.handleId]));
  return created.map((a) => ({ ...a, handle: handles.get(a.id) ?? '' }));
}

async function main(): Promise<void> {
  const config = resolveDevSecrets(parseConfig({ METRICS_PORT: '0', ...process.env }));
  const app = await startApp(config, { logger: createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }) });
  const observer = observe(app);
  const ids: Array<{ ownerId: string; id: string }> = [];
  process.on('message', (m: FleetHubRequest) => {
    void (async () => {
      if (m.cmd === 'spawn') {
        const agents = await spawnFleet(app, m.agents);
        ids.push(...agents);
        send({ agents });
      } else if (m.cmd === 'handles') {
        send({ handles: Object.fromEntries((await app.hub.runtime.list()).map((a) => [a.agentId, a.handleId])) });
      } else if (m.cmd === 'window') {
        observer.window();
        send({ ok: true });
      } else if (m.cmd === 'report') {
        send(observer.report());
      } else {
        await Promise.all(ids.map((a) => app.hub.lifecycle.stop(a.ownerId, a.id).catch(() => undefined)));
        await app.stop();
        send({ stopped: true });
        process.exit(0);
      }
    })().catch((err: unknown) => {
      send({ error: err instanceof Error ? err.message : String(err) });
    });
  });
  send({ ready: app.url });
}

await main();
