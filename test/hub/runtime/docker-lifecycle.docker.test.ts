/**
 * The agent lifecycle on a real Docker engine with the defaults (no AGENT_NETWORK: the hub runs
 * on the host, so agents get host networking and bind 127.0.0.1:{pool port}; test traffic never
 * touches bridge addresses): the real app, the offline-built agent image, spawn → trade on the
 * simulated market → crash detection → stop, and a hub restart that adopts its agents.
 */
import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { AGENT_LABEL, MANAGED_LABEL, OWNER_LABEL, containerName } from '../../../src/hub/runtime/docker-runtime.js';
import { AGENT_NODE_OPTIONS } from '../../../src/hub/runtime/agent-node-options.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { rejectionOf } from '../../support/rejection.js';
import { freePortRange, startTestApp } from '../../support/app-harness.js';
import { agentContainersOf, dockerAgentEnv, dockerSkipReason, ensureAgentImage, TEST_AGENT_IMAGE } from '../../support/docker.js';
import { waitUntil } from '../../support/wait.js';

const skip = await dockerSkipReason();
const docker = new Docker();

let db: TestDatabase;
let app: App & { port: number; dataDir: string };
let ownerId: string;
let range: { from: number; to: number };

const env = () => ({ ...dockerAgentEnv(range), AGENT_MAX_RESTARTS: '2' });

const managedContainers = (all = false) => agentContainersOf(docker, ownerId, all);

async function removeAllManaged() {
  if (ownerId)
    for (const c of await managedContainers(true))
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
}

describe.skipIf(skip)('docker runtime lifecycle', () => {
  beforeAll(async () => {
    await ensureAgentImage();
    db = await createTestDatabase('docker');
    range = await freePortRange(12);
    app = await startTestApp({ databaseUrl: db.url, env: env() });
    ownerId = (await app.hub.users.register(8001, 'Docker Trader')).user.id;
  }, 180_000);

  afterAll(async () => {
    await app?.stop();
    await removeAllManaged();
    await db?.drop();
  });

  it('AGENT_RUNTIME=docker without the agent image refuses to boot and names the command that builds it', async () => {
    const error = await rejectionOf(startTestApp({ databaseUrl: db.url, env: { ...env(), AGENT_IMAGE: 'artic-agent:not-built' } }));
    expect(error.message).toBe(
      'AGENT_RUNTIME=docker but the agent image artic-agent:not-built does not exist; build it with: AGENT_IMAGE=artic-agent:not-built npm run build:agent-image',
    );
  });

  it('creates 5 agents concurrently: 5 locked-down, labelled, limited containers on 5 ports of the host network', async () => {
    // dock-1 trades all the time: SuperTrend takes a side on its first warm tick and the 0.01 %
    // stop-loss is crossed a tick later by the entry's slippage (test/e2e/trading.process.test.ts).
    const trader = { strategy: 'supertrend', tpSlMode: 'fixed' as const, tpPct: 0.01, slPct: 0.01, maxSessionLossPct: 50 };
    const created = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        app.hub.agents.create(ownerId, {
          name: `dock-${n}`,
          symbol: 'BTCUSDT',
          amountUsdt: 100,
          pollSeconds: 1,
          ...(n === 1 ? trader : {}),
        }),
      ),
    );
    const running = await Promise.all(created.map((a) => app.hub.lifecycle.start(ownerId, a.id)));
    expect(running.every((a) => a.status === 'running')).toBe(true);
    expect(new Set(running.map((a) => a.port)).size).toBe(5);
    expect((await managedContainers()).length).toBe(5);
    const health = (await (await fetch(`${app.url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ runtime: 'docker', network: 'host', agents: { running: 5, total: 5 } });

    for (const agent of running) {
      const info = await docker.getContainer(containerName(agent.id)).inspect();
      expect(info.Name).toBe(`/artic-agent-${agent.id}`);
      expect(info.State.Running).toBe(true);
      expect(info.Config.Labels).toMatchObject({ [MANAGED_LABEL]: 'true', [AGENT_LABEL]: agent.id, 'artic.owner': ownerId });
      expect(info.Config.User).toBe('10001:10001');
      expect(info.Config.Env).toEqual(
        expect.arrayContaining([
          `AGENT_ID=${agent.id}`,
          `PORT=${agent.port}`,
          'HOST=127.0.0.1',
          `HUB_URL=http://127.0.0.1:${app.port}`,
          `NODE_OPTIONS=${AGENT_NODE_OPTIONS}`,
        ]),
      );
      expect(info.Config.Env.some((e) => e.startsWith('AGENT_TOKEN='))).toBe(true);
      expect(info.HostConfig.Memory).toBe(128 * 1024 * 1024);
      expect(info.HostConfig.NanoCpus).toBe(250_000_000);
      expect(info.HostConfig.ReadonlyRootfs).toBe(true);
      expect(info.HostConfig.CapDrop).toEqual(['ALL']);
      expect(info.HostConfig.SecurityOpt).toEqual(['no-new-privileges']);
      expect(info.HostConfig.PidsLimit).toBe(256);
      expect(info.HostConfig.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } });
      expect(info.HostConfig.Binds ?? []).not.toEqual(expect.arrayContaining([expect.stringContaining('docker.sock')]));
      expect(info.HostConfig.Tmpfs).toHaveProperty('/tmp');
      expect(info.HostConfig.NetworkMode).toBe('host');
    }
  }, 120_000);

  it('trades on the simulated market: a trade opens and closes through the hub', async () => {
    const [agent] = (await app.hub.agents.list(ownerId)).filter((a) => a.name === 'dock-1');
    // It trades again and again (open, close, a 3-tick cooldown), so the next close comes soon.
    const closed = await app.hub.events.waitFor('trade.closed', (e) => e.agentId === agent.id, 30_000);
    expect(closed).toMatchObject({ symbol: 'BTCUSDT', live: false, ownerId });
    expect(['sl', 'tp']).toContain(closed.reason);
  }, 40_000);

  it('detects docker kill within 5 s, reports the crash and restarts the agent', async () => {
    const [agent] = (await app.hub.agents.list(ownerId)).filter((a) => a.name === 'dock-1');
    const crashed = app.hub.events.waitFor('agent.crashed', (e) => e.agentId === agent.id, 5_000);
    const restarted = app.hub.events.waitFor('agent.restarted', (e) => e.agentId === agent.id, 30_000);
    const t0 = Date.now();
    await docker.getContainer(containerName(agent.id)).kill();
    const event = await crashed;
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(event.exitCode).toBe(137);
    expect(event.oom).toBe(false);
    expect(event.willRestart).toBe(true);
    const failed = await app.hub.agents.find(ownerId, agent.id);
    expect(failed).toMatchObject({ status: 'failed', port: null });
    expect(failed.statusReason).toBe('crashed: exit code 137 (killed)');
    await restarted;
    const back = await app.hub.agents.find(ownerId, agent.id);
    expect(back.status).toBe('running');
    expect((await managedContainers()).filter((c) => c.Labels[AGENT_LABEL] === agent.id)).toHaveLength(1);
  }, 60_000);

  it('stops an agent: container gone and its port reusable', async () => {
    const [agent] = (await app.hub.agents.list(ownerId)).filter((a) => a.name === 'dock-2');
    const port = agent.port;
    await app.hub.lifecycle.stop(ownerId, agent.id);
    await expect(docker.getContainer(containerName(agent.id)).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const after = await app.hub.agents.find(ownerId, agent.id);
    expect(after).toMatchObject({ status: 'stopped', port: null });
    const again = await app.hub.agents.create(ownerId, { name: 'dock-6', symbol: 'ETHUSDT', amountUsdt: 100 });
    const started = await app.hub.lifecycle.start(ownerId, again.id);
    expect(started.port).toBe(port); // the lowest free port comes back
    await app.hub.lifecycle.stop(ownerId, again.id);
  }, 60_000);

  it("a hub restart adopts running containers, duplicates nothing, loses no pushed line, and leaves another hub's containers alone", async () => {
    const all = await app.hub.agents.list(ownerId);
    // dock-2 and dock-6 were stopped; the others run (dock-1 after its crash and restart).
    expect(all.map((a) => [a.name, a.status, a.statusReason]).sort()).toEqual([
      ['dock-1', 'running', null],
      ['dock-2', 'stopped', 'stopped by you'],
      ['dock-3', 'running', null],
      ['dock-4', 'running', null],
      ['dock-5', 'running', null],
      ['dock-6', 'stopped', 'stopped by you'],
    ]);
    const before = all.filter((a) => a.status === 'running');
    // An agent container of another hub on the same engine (an agent this database never had).
    const strangerId = randomUUID();
    const stranger = await docker.createContainer({
      name: containerName(strangerId),
      Image: TEST_AGENT_IMAGE,
      Labels: { [MANAGED_LABEL]: 'true', [AGENT_LABEL]: strangerId, [OWNER_LABEL]: randomUUID() },
    });
    const port = app.port;
    await app.stop();
    const downAt = new Date();
    // The agents keep running and keep logging while the hub is away; their pushes buffer.
    await new Promise((r) => setTimeout(r, 3000));
    app = await startTestApp({ databaseUrl: db.url, env: env(), port, dataDir: app.dataDir });
    const upAt = new Date();

    const after = await app.hub.agents.list(ownerId);
    for (const a of before) {
      const now = after.find((x) => x.id === a.id)!;
      expect(now.status).toBe('running');
      expect(now.port).toBe(a.port);
    }
    expect((await managedContainers()).length).toBe(4);
    expect((await stranger.inspect()).Id).toBe(stranger.id);
    await stranger.remove({ force: true });

    // Lines logged while the hub was down arrive, each exactly once, with no gap in seq.
    await waitUntil(
      async () => {
        const [{ n }] = await app.orm.em
          .fork()
          .getConnection()
          .execute('select count(*)::int as n from log_entries where ts between ? and ?', [downAt, upAt]);
        return n > 0;
      },
      20_000,
      'buffered log lines',
    );
    for (const a of before) {
      const [row] = await app.orm.em
        .fork()
        .getConnection()
        .execute(
          'select count(*)::int as n, count(distinct seq)::int as d, (max(seq) - min(seq) + 1)::int as span from log_entries where agent_id = ?',
          [a.id],
        );
      expect(row.n).toBe(row.d);
      expect(row.n).toBe(row.span);
    }
  }, 90_000);
});
