/**
 * The agent lifecycle on the process runtime, end to end: the real app, the real agent program
 * as child processes on 127.0.0.1, a private database.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_NODE_OPTIONS } from '../../../src/hub/runtime/agent-node-options.js';
import type { App } from '../../../src/app.js';
import { createProcessRuntime } from '../../../src/hub/runtime/process-runtime.js';
import { createLogger } from '../../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { freePortRange, startTestApp } from '../../support/app-harness.js';
import { waitUntil, processAlive } from '../../support/wait.js';

let db: TestDatabase;
let app: App & { port: number; dataDir: string };
let ownerId: string;
let range: { from: number; to: number };

/** Status of an agent-token call to the hub's market route (any internal route checks the token the same way). */
async function candlesStatus(base: string, token: string): Promise<number> {
  const res = await fetch(`${base}/internal/market/price?symbol=BTCUSDT`, { headers: { authorization: `Bearer ${token}` } });
  return res.status;
}

function pidOf(containerId: string | null): number {
  expect(containerId).toMatch(/^pid:\d+$/);
  return Number(containerId!.slice(4));
}

const env = () => ({
  AGENT_RUNTIME: 'process',
  AGENT_PORT_RANGE: `${range.from}-${range.to}`,
  AGENT_HEALTH_INTERVAL_MS: '500',
  AGENT_MAX_RESTARTS: '2',
});

beforeAll(async () => {
  db = await createTestDatabase('proc');
  range = await freePortRange(12);
  app = await startTestApp({ databaseUrl: db.url, env: env() });
  ownerId = (await app.hub.users.register(7001, 'Trader')).user.id;
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe('process runtime lifecycle', () => {
  it('starts agents concurrently on distinct ports, each healthy and pushing logs', async () => {
    const created = await Promise.all(
      ['a', 'b', 'c'].map((n) => app.hub.agents.create(ownerId, { name: `proc-${n}`, symbol: 'BTCUSDT', amountUsdt: 100, pollSeconds: 1 })),
    );
    const stages: string[] = [];
    const running = await Promise.all(
      created.map((a, i) => app.hub.lifecycle.start(ownerId, a.id, i === 0 ? (s) => stages.push(s) : undefined)),
    );
    expect(stages).toEqual(['creating', 'starting', 'running']);
    expect(running.map((a) => a.status)).toEqual(['running', 'running', 'running']);
    const ports = running.map((a) => a.port);
    expect(new Set(ports).size).toBe(3);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(range.from);
    for (const a of running) {
      const pid = pidOf(
        (await app.orm.em.fork().getConnection().execute('select container_id from agents where id = ?', [a.id]))[0].container_id,
      );
      expect(processAlive(pid)).toBe(true);
      // Every agent runs with the heap limits of AGENT_NODE_OPTIONS.
      expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain(`NODE_OPTIONS=${AGENT_NODE_OPTIONS}`);
    }
    // The agents talk back: log lines arrive in the hub's store.
    await waitUntil(async () => (await app.hub.logs.recent(running[0].id, 5)).length > 0, 15_000, 'agent logs');
    const res = await fetch(`${app.url}/health`);
    expect(((await res.json()) as { agents: unknown }).agents).toEqual({ running: 3, total: 3 });
  });

  it('detects a killed agent within 5 s, reports the crash, and restarts it', async () => {
    const [agent] = (await app.hub.agents.list(ownerId)).filter((a) => a.name === 'proc-a');
    const [{ container_id }] = await app.orm.em.fork().getConnection().execute('select container_id from agents where id = ?', [agent.id]);
    const crashed = app.hub.events.waitFor('agent.crashed', (e) => e.agentId === agent.id, 5_000);
    const restarted = app.hub.events.waitFor('agent.restarted', (e) => e.agentId === agent.id, 15_000);
    const killedAt = Date.now();
    process.kill(pidOf(container_id), 'SIGKILL');
    const event = await crashed;
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(event.reason).toContain('SIGKILL');
    expect(event.willRestart).toBe(true);
    expect(event.ownerId).toBe(ownerId);
    // The crash is recorded before the event goes out; the restart waits its backoff (1 s).
    const failed = await app.hub.agents.find(ownerId, agent.id);
    expect(failed.status).toBe('failed');
    expect(failed.statusReason).toContain('crashed');
    expect(failed.port).toBeNull();
    // The agent's own log says why it went away (the hub writes it; the agent cannot).
    const [last] = await app.hub.logs.recent(agent.id, 1, 'error');
    expect(last.message).toMatch(/^crashed: killed by SIGKILL; last output:/);
    await restarted;
    const back = await app.hub.agents.find(ownerId, agent.id);
    expect(back.status).toBe('running');
    expect(back.restartCount).toBe(1);
  });

  it('stops an agent: process gone, port released and reusable', async () => {
    const [agent] = (await app.hub.agents.list(ownerId)).filter((a) => a.name === 'proc-b');
    const [{ container_id }] = await app.orm.em.fork().getConnection().execute('select container_id from agents where id = ?', [agent.id]);
    const pid = pidOf(container_id);
    const stopped = await app.hub.lifecycle.stop(ownerId, agent.id);
    expect(stopped.status).toBe('stopped');
    expect(stopped.port).toBeNull();
    await waitUntil(() => !processAlive(pid), 5_000, 'process exit');
    const fresh = await app.hub.agents.create(ownerId, { name: 'proc-d', symbol: 'ETHUSDT', amountUsdt: 50 });
    const started = await app.hub.lifecycle.start(ownerId, fresh.id);
    expect(started.port).not.toBeNull();
    await app.hub.lifecycle.stop(ownerId, fresh.id);
  });

  it('a token from before a new start of the agent is refused with 401; the new one works', async () => {
    const agent = await app.hub.agents.create(ownerId, { name: 'proc-rotate', symbol: 'BTCUSDT', amountUsdt: 50 });
    await app.hub.lifecycle.start(ownerId, agent.id);
    const before = app.hub.lifecycle.handle(agent.id)!.token;
    expect(await candlesStatus(app.url, before)).toBe(200);
    await app.hub.lifecycle.stop(ownerId, agent.id);
    await app.hub.lifecycle.start(ownerId, agent.id);
    const after = app.hub.lifecycle.handle(agent.id)!.token;
    expect(after).not.toBe(before);
    expect(await candlesStatus(app.url, before)).toBe(401);
    expect(await candlesStatus(app.url, after)).toBe(200);
    // Deleted: its last token is refused everywhere.
    await app.hub.lifecycle.delete(ownerId, agent.id);
    expect(await candlesStatus(app.url, after)).toBe(401);
  });

  it('keeps another user out of an agent', async () => {
    const other = (await app.hub.users.register(7002, 'Other')).user.id;
    const [agent] = await app.hub.agents.list(ownerId);
    await expect(app.hub.lifecycle.stop(other, agent.id)).rejects.toThrow(/No agent matches/);
    await expect(app.hub.agents.find(other, agent.shortId)).rejects.toThrow(/No agent matches/);
  });

  it('after a hub restart resumes the agents the hub had running', async () => {
    const before = (await app.hub.agents.list(ownerId)).filter((a) => a.status === 'running');
    expect(before.length).toBeGreaterThan(0);
    const port = app.port;
    await app.stop();
    app = await startTestApp({ databaseUrl: db.url, env: env(), port, dataDir: app.dataDir });
    await waitUntil(
      async () =>
        (await app.hub.agents.list(ownerId)).filter((a) => before.some((b) => b.id === a.id)).every((a) => a.status === 'running'),
      20_000,
      'agents running again',
    );
    const after = await app.hub.agents.list(ownerId);
    const ports = after.filter((a) => a.port !== null).map((a) => a.port);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('a start that cannot become healthy fails cleanly with a reason and no port', async () => {
    const agent = await app.hub.agents.create(ownerId, { name: 'doomed', symbol: 'BTCUSDT', amountUsdt: 100 });
    // Occupy every free port of the range: the agent cannot be placed.
    const blockers: import('node:net').Server[] = [];
    const net = await import('node:net');
    for (let p = range.from; p <= range.to; p++) {
      const s = net.createServer();
      const ok = await new Promise<boolean>((resolve) => {
        s.once('error', () => resolve(false));
        s.listen(p, '127.0.0.1', () => resolve(true));
      });
      if (ok) blockers.push(s);
    }
    try {
      await expect(app.hub.lifecycle.start(ownerId, agent.id)).rejects.toThrow();
      const after = await app.hub.agents.find(ownerId, agent.id);
      expect(after.status).toBe('failed');
      expect(after.statusReason).toMatch(/no room for another agent/);
      expect(after.port).toBeNull();
    } finally {
      for (const s of blockers) s.close();
    }
  });
});

describe('adoption across a hub restart (process runtime that outlives the hub)', () => {
  it("keeps the adopted agent's token valid; a new start invalidates it", async () => {
    const adoptDb = await createTestDatabase('adopt');
    const adoptRange = await freePortRange(4);
    const adoptEnv = { ...env(), AGENT_PORT_RANGE: `${adoptRange.from}-${adoptRange.to}`, AGENT_RESTART_ON_CRASH: 'false' };
    const runtime = createProcessRuntime({ logger: createLogger({ level: 'silent' }) });
    // The first hub leaves its children running, as containers outlive a hub.
    const outliving = { ...runtime, close: async () => undefined };
    let first: (App & { port: number; dataDir: string }) | undefined;
    let second: (App & { port: number; dataDir: string }) | undefined;
    try {
      first = await startTestApp({ databaseUrl: adoptDb.url, env: adoptEnv, runtime: outliving });
      const owner = (await first.hub.users.register(7101, 'Adopter')).user.id;
      const agent = await first.hub.agents.create(owner, { name: 'adoptee', symbol: 'BTCUSDT', amountUsdt: 50 });
      await first.hub.lifecycle.start(owner, agent.id);
      const token = first.hub.lifecycle.handle(agent.id)!.token;
      expect(await candlesStatus(first.url, token)).toBe(200);
      await first.stop();

      second = await startTestApp({ databaseUrl: adoptDb.url, env: adoptEnv, runtime, port: first.port, dataDir: first.dataDir });
      expect(second.hub.lifecycle.handle(agent.id)?.token).toBe(token);
      expect((await second.hub.agents.find(owner, agent.id)).status).toBe('running');
      expect(await candlesStatus(second.url, token)).toBe(200);

      await second.hub.lifecycle.stop(owner, agent.id);
      await second.hub.lifecycle.start(owner, agent.id);
      expect(await candlesStatus(second.url, token)).toBe(401);
      expect(await candlesStatus(second.url, second.hub.lifecycle.handle(agent.id)!.token)).toBe(200);
    } finally {
      await second?.stop();
      await runtime.close();
      await adoptDb.drop();
    }
  });
});
