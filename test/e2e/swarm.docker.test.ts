/**
 * AGENT_RUNTIME=swarm on a real single-node swarm (initialised for the suite when the engine is
 * not one, and left again afterwards; an existing swarm is left as found). Agents are services on
 * the host network at 127.0.0.1:{pool port}; test traffic never touches other addresses. The real
 * app with the offline-built agent image and the Bot API stand-in: spawn → trade on the simulated
 * market → the task's container killed: the crash recorded, alerted, and the agent running again
 * → stop → a hub restart adopts its service and removes an orphan → delete leaves no service and
 * no secret.
 */
import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { AGENT_LABEL, MANAGED_LABEL, OWNER_LABEL, containerName } from '../../src/hub/runtime/docker-runtime.js';
import { TOKEN_SECRET_PATH, createSwarmRuntime } from '../../src/hub/runtime/swarm-runtime.js';
import { createLogger } from '../../src/logger.js';
import { startBotApiServer, type BotApiServer } from '../support/bot-api-server.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { dockerAgentEnv, dockerSkipReason, ensureAgentImage, TEST_AGENT_IMAGE } from '../support/docker.js';
import { freePortRange, startTestApp } from '../support/app-harness.js';
import { agentServicesOf, ensureSingleNodeSwarm, taskContainerOf, tokenSecretsOf } from '../support/swarm.js';
import { waitUntil } from '../support/wait.js';

const skip = await dockerSkipReason();
const docker = new Docker();
const TOKEN = '123456:TEST-token-for-the-stand-in';
const CHAT = 8101;

let swarm: Awaited<ReturnType<typeof ensureSingleNodeSwarm>> | undefined;
let api: BotApiServer;
let db: TestDatabase;
let app: App & { port: number; dataDir: string };
let ownerId: string;
let range: { from: number; to: number };

const env = () => ({
  ...dockerAgentEnv(range),
  AGENT_RUNTIME: 'swarm',
  AGENT_MAX_RESTARTS: '2',
  AGENT_PLACEMENT: 'node.role==manager',
  ACCESS_MODE: 'open',
  TELEGRAM_BOT_TOKEN: TOKEN,
  TELEGRAM_API_ROOT: api.apiRoot,
});

const byName = async (name: string) => (await app.hub.agents.list(ownerId)).find((a) => a.name === name)!;
const servicesOf = async (agentId: string) =>
  (await agentServicesOf(docker, ownerId)).filter((s) => s.Spec?.Labels?.[AGENT_LABEL] === agentId);

/** A stopped-by-hand service with the marks of an agent service (nothing runs: 0 replicas). */
function markedService(agentId: string, owner: string) {
  const labels = { [MANAGED_LABEL]: 'true', [AGENT_LABEL]: agentId, [OWNER_LABEL]: owner };
  return docker.createService({
    Name: containerName(agentId),
    Labels: labels,
    Mode: { Replicated: { Replicas: 0 } },
    TaskTemplate: { ContainerSpec: { Image: TEST_AGENT_IMAGE, Labels: labels } },
  });
}

const tasksOfService = async (serviceId: string) =>
  (await docker.listTasks({ filters: { service: [serviceId] } })) as Array<{ Status?: { State?: string } }>;

async function removeAll() {
  for (const s of ownerId ? await agentServicesOf(docker, ownerId) : []) {
    await docker
      .getService(s.ID)
      .remove()
      .catch(() => undefined);
    const id = s.Spec?.Labels?.[AGENT_LABEL];
    for (const secret of id ? await tokenSecretsOf(docker, id) : [])
      await docker
        .getSecret(secret)
        .remove()
        .catch(() => undefined);
  }
}

describe.skipIf(skip)('swarm runtime lifecycle', () => {
  beforeAll(async () => {
    swarm = await ensureSingleNodeSwarm();
    await ensureAgentImage();
    api = await startBotApiServer({ token: TOKEN });
    db = await createTestDatabase('swarm');
    range = await freePortRange(8);
    app = await startTestApp({ databaseUrl: db.url, env: env() });
    ownerId = (await app.hub.users.register(CHAT, 'Swarm Trader')).user.id;
  }, 180_000);

  afterAll(async () => {
    await app?.stop();
    await removeAll();
    await api?.close();
    await db?.drop();
    await swarm?.restore();
  }, 60_000);

  it('spawns three agents as one-replica services: labelled, limited, reserved, placed, restarted on failure, token as a secret', async () => {
    // sw-1 trades all the time (test/e2e/trading.process.test.ts): SuperTrend and a 0.01 % stop.
    const trader = { strategy: 'supertrend', tpSlMode: 'fixed' as const, tpPct: 0.01, slPct: 0.01, maxSessionLossPct: 50 };
    const created = await Promise.all(
      [1, 2, 3].map((n) =>
        app.hub.agents.create(ownerId, { name: `sw-${n}`, symbol: 'BTCUSDT', amountUsdt: 100, pollSeconds: 1, ...(n === 1 ? trader : {}) }),
      ),
    );
    const running = await Promise.all(created.map((a) => app.hub.lifecycle.start(ownerId, a.id)));
    expect(running.map((a) => a.status)).toEqual(['running', 'running', 'running']);
    const health = (await (await fetch(`${app.url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ runtime: 'swarm', network: 'host', agents: { running: 3, total: 3 } });

    for (const agent of running) {
      const [service] = await servicesOf(agent.id);
      const spec = service.Spec!;
      const task = spec.TaskTemplate as Docker.ContainerTaskSpec;
      expect(spec.Name).toBe(`artic-agent-${agent.id}`);
      expect(spec.Labels).toEqual({ [MANAGED_LABEL]: 'true', [AGENT_LABEL]: agent.id, [OWNER_LABEL]: ownerId });
      expect(spec.Mode).toEqual({ Replicated: { Replicas: 1 } });
      expect(task.RestartPolicy).toEqual({ Condition: 'on-failure', Delay: 1e9, MaxAttempts: 2, Window: 60e9 });
      expect(task.Resources).toEqual({
        Limits: { MemoryBytes: 128 * 1024 * 1024, NanoCPUs: 250_000_000, Pids: 256 },
        Reservations: { MemoryBytes: 64 * 1024 * 1024, NanoCPUs: 125_000_000 },
      });
      expect(task.Placement?.Constraints).toEqual(['node.role==manager']);
      const container = task.ContainerSpec!;
      expect(container).toMatchObject({ User: '10001:10001', ReadOnly: true, CapabilityDrop: ['ALL'] });
      expect(container.Env).toEqual(
        expect.arrayContaining([`AGENT_ID=${agent.id}`, `PORT=${agent.port}`, 'HOST=127.0.0.1', `AGENT_TOKEN_FILE=${TOKEN_SECRET_PATH}`]),
      );
      expect(container.Env!.some((e) => e.startsWith('AGENT_TOKEN='))).toBe(false);
      expect(container.Secrets).toHaveLength(1);
      expect(container.Secrets![0].File).toMatchObject({ Name: 'artic-agent-token', UID: '10001', Mode: 0o400 });
      expect(await tokenSecretsOf(docker, agent.id)).toEqual([container.Secrets![0].SecretName]);
      // The running container's environment holds no token either.
      const info = await docker.getContainer((await taskContainerOf(docker, spec.Name!))!.Id).inspect();
      expect(info.Config.Env.some((e) => e.startsWith('AGENT_TOKEN='))).toBe(false);
      expect(info.HostConfig.NetworkMode).toBe('host');
    }
  }, 120_000);

  it('trades on the simulated market: a trade opens and closes through the hub', async () => {
    const agent = await byName('sw-1');
    const closed = await app.hub.events.waitFor('trade.closed', (e) => e.agentId === agent.id, 30_000);
    expect(closed).toMatchObject({ symbol: 'BTCUSDT', live: false, ownerId });
  }, 40_000);

  it("the task's container killed: the crash is read from the task state, recorded, alerted, and the agent runs again", async () => {
    const agent = await byName('sw-1');
    const crashed = app.hub.events.waitFor('agent.crashed', (e) => e.agentId === agent.id, 15_000);
    const restarted = app.hub.events.waitFor('agent.restarted', (e) => e.agentId === agent.id, 45_000);
    const container = await taskContainerOf(docker, containerName(agent.id));
    await docker.getContainer(container!.Id).kill();
    const event = await crashed;
    expect(event).toMatchObject({ exitCode: 137, oom: false, willRestart: true, reason: 'crashed: exit code 137 (killed)' });
    const failed = await app.hub.agents.find(ownerId, agent.id);
    expect(failed).toMatchObject({ status: 'failed', statusReason: 'crashed: exit code 137 (killed)' });
    await waitUntil(
      async () =>
        api
          .succeeded('sendMessage')
          .some((c) => Number(c.payload.chat_id) === CHAT && /sw-1<\/b> .* crashed \(exit code 137\)/.test(String(c.payload.text))),
      10_000,
      'the crash alert',
    );
    await restarted;
    expect(await app.hub.agents.find(ownerId, agent.id)).toMatchObject({ status: 'running', restartCount: 1 });
    expect(await servicesOf(agent.id)).toHaveLength(1);
    // The old session's secret went with its service: one token secret, the new one.
    expect(await tokenSecretsOf(docker, agent.id)).toHaveLength(1);
  }, 60_000);

  it('stops an agent: its service and secret are gone and its port is free', async () => {
    const agent = await byName('sw-2');
    await app.hub.lifecycle.stop(ownerId, agent.id);
    expect(await servicesOf(agent.id)).toEqual([]);
    expect(await tokenSecretsOf(docker, agent.id)).toEqual([]);
    expect(await app.hub.agents.find(ownerId, agent.id)).toMatchObject({ status: 'stopped', port: null });
  }, 30_000);

  it("a hub restart adopts the running service, replaces one Swarm restarted meanwhile, removes an orphan, and leaves another hub's service alone", async () => {
    const trader = await byName('sw-1');
    const stopped = await byName('sw-2');
    const idle = await byName('sw-3');
    const [before] = await servicesOf(trader.id);
    const [idleBefore] = await servicesOf(idle.id);
    const orphan = await markedService(stopped.id, ownerId);
    const strangerId = randomUUID();
    const stranger = await markedService(strangerId, randomUUID());
    const port = app.port;
    await app.stop();
    // While the hub is away sw-3's container dies; Swarm's restart policy starts a new task, which
    // never got the hub's /start: an idle agent the hub must not take for the session it recorded.
    await docker.getContainer((await taskContainerOf(docker, containerName(idle.id)))!.Id).kill();
    await waitUntil(
      async () => {
        const states = (await tasksOfService(idleBefore.ID)).map((t) => t.Status?.State);
        return states.length === 2 && states.includes('running') && states.includes('failed');
      },
      20_000,
      "Swarm's restart of the killed task",
    );
    app = await startTestApp({ databaseUrl: db.url, env: env(), port, dataDir: app.dataDir });
    try {
      expect(await app.hub.agents.find(ownerId, trader.id)).toMatchObject({ status: 'running', port: trader.port });
      const [after] = await servicesOf(trader.id);
      expect(after.ID).toBe(before.ID);
      // sw-3: recorded as not running, restarted by the hub with a new service and a /start.
      await waitUntil(async () => (await app.hub.agents.find(ownerId, idle.id)).status === 'running', 30_000, 'the hub restarting sw-3');
      const [idleAfter] = await servicesOf(idle.id);
      expect(idleAfter.ID).not.toBe(idleBefore.ID);
      expect(await tokenSecretsOf(docker, idle.id)).toHaveLength(1);
      expect(await servicesOf(stopped.id)).toEqual([]);
      await expect(docker.getService(orphan.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect((await docker.getService(stranger.id).inspect()).ID).toBe(stranger.id);
    } finally {
      await docker
        .getService(stranger.id)
        .remove()
        .catch(() => undefined);
    }
  }, 90_000);

  it('a named AGENT_NETWORK is an attachable overlay, created once when missing (no traffic goes to it here)', async () => {
    const name = `artic-test-overlay-${process.pid}`;
    const options = { docker, image: TEST_AGENT_IMAGE, network: name, memoryMb: 64, cpus: 0.1, placement: [], maxRestarts: 0 };
    const runtimes = [1, 2].map(() => createSwarmRuntime({ ...options, logger: createLogger({ level: 'silent' }) }));
    try {
      await Promise.all(runtimes.map((r) => r.ready()));
      const found = await docker.listNetworks({ filters: { name: [name] } });
      expect(found.filter((n) => n.Name === name)).toHaveLength(1);
      const info = await docker.getNetwork(found[0].Id).inspect();
      expect(info).toMatchObject({ Driver: 'overlay', Attachable: true, Scope: 'swarm', Labels: { [MANAGED_LABEL]: 'true' } });
      expect(runtimes[0]).toMatchObject({ kind: 'swarm', network: name });
      expect(runtimes[0].baseUrl('a1', 8123)).toBe('http://artic-agent-a1:8000');
    } finally {
      await Promise.all(runtimes.map((r) => r.close()));
      for (const n of await docker.listNetworks({ filters: { name: [name] } }))
        await docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined);
    }
  }, 30_000);

  it('deletes an agent: no service and no secret remain', async () => {
    const agent = await byName('sw-1');
    await app.hub.lifecycle.delete(ownerId, agent.id, { closePosition: true });
    expect(await servicesOf(agent.id)).toEqual([]);
    expect(await tokenSecretsOf(docker, agent.id)).toEqual([]);
    expect((await agentServicesOf(docker, ownerId)).map((s) => s.Spec?.Labels?.[AGENT_LABEL])).toEqual([(await byName('sw-3')).id]);
  }, 30_000);
});
