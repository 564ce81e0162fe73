/**
 * The hub image in compose, as an operator runs it without a registry: `npm run build:hub-image`
 * (built here from the current source), then docker-compose.host.yml (the hub's service from
 * docker-compose.hub.yml, on the host's network) with `docker compose` or `docker-compose` v1.
 * The hub in its container uses the machine's PostgreSQL (a fresh database), the Bot API
 * stand-in and the simulated market; through the mounted Docker socket it spawns an agent
 * container that trades. Test traffic goes to 127.0.0.1 only.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import Docker from 'dockerode';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotApiServer, type BotApiServer } from '../support/bot-api-server.js';
import { compose, composeCommand, ensureHubImage, TEST_HUB_IMAGE } from '../support/compose.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { agentContainersOf, dockerSkipReason, ensureAgentImage, TEST_AGENT_IMAGE } from '../support/docker.js';
import { signInitData } from '../support/init-data.js';
import { waitForHealth } from '../support/main-process.js';
import { freePort, freePortRange } from '../support/ports.js';
import { waitUntil } from '../support/wait.js';

const TOKEN = '123456:TEST-token-for-the-compose-stand-in';
const CHAT = 8301;
const SOCKET = '/var/run/docker.sock';

/** Why the suite cannot run here: no engine (docker's rule), or an engine but no compose CLI. */
async function skipReason(): Promise<{ reason?: string; argv?: string[] }> {
  const noDocker = await dockerSkipReason();
  if (noDocker) return { reason: noDocker };
  const argv = await composeCommand();
  if (argv) return { argv };
  const failed = process.env.ARTIC_COMPOSE_UNAVAILABLE;
  if (process.env.CI === 'true' && !failed)
    throw new Error(
      'CI=true and Docker runs, but neither `docker compose` nor `docker-compose` does, and .ci/run reported no install failure.',
    );
  const reason = failed
    ? `.ci/run could not install docker-compose: ${failed}`
    : 'neither `docker compose` nor `docker-compose` is installed';
  process.stderr.write(`\n[compose suite skipped] ${reason}\n`);
  return { reason };
}

const { reason: skip, argv } = await skipReason();
const docker = new Docker();
const project = `artic-compose-${process.pid}-${randomBytes(3).toString('hex')}`;

let api: BotApiServer;
let db: TestDatabase;
let env: NodeJS.ProcessEnv;
let hubUrl: string;
let ownerId: string | undefined;

const up = (...args: string[]) => compose(argv!, ['-p', project, '-f', 'docker-compose.host.yml', ...args], env);

/** Waits like waitUntil; on a timeout the error carries the hub container's last log lines. */
async function waitOrShowLogs(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  try {
    await waitUntil(check, timeoutMs, what);
  } catch (error) {
    const logs = await up('logs', '--no-color', '--tail', '40').catch((e: unknown) => String(e));
    throw new Error(`${(error as Error).message}\nhub logs:\n${logs}`);
  }
}

async function call<T>(method: 'GET' | 'POST', path: string, token?: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${hubUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as T };
}

describe.skipIf(skip)('the hub image under compose (host networking, Docker socket, PostgreSQL)', () => {
  beforeAll(async () => {
    await ensureAgentImage();
    const buildMs = await ensureHubImage();
    process.stderr.write(`[compose suite] npm run build:hub-image took ${(buildMs / 1000).toFixed(1)} s\n`);
    api = await startBotApiServer({ token: TOKEN });
    db = await createTestDatabase('compose');
    const port = await freePort();
    const range = await freePortRange(4);
    hubUrl = `http://127.0.0.1:${port}`;
    env = {
      ...process.env,
      HUB_IMAGE: TEST_HUB_IMAGE,
      AGENT_IMAGE: TEST_AGENT_IMAGE,
      DATABASE_URL: db.url,
      PORT: String(port),
      DOCKER_GID: String(statSync(SOCKET).gid),
      INTERNAL_SECRET: randomBytes(32).toString('hex'),
      JWT_SECRET: randomBytes(32).toString('hex'),
      ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: api.apiRoot,
      ACCESS_MODE: 'open',
      MARKET_DATA: 'simulated',
      AGENT_PORT_RANGE: `${range.from}-${range.to}`,
      AGENT_MEMORY_MB: '128',
      AGENT_CPUS: '0.25',
      AGENT_HEALTH_INTERVAL_MS: '1000',
    };
    await up('up', '-d', '--no-build');
    await waitForHealth(`${hubUrl}/health`, 60_000);
  }, 240_000);

  afterAll(async () => {
    if (env) await up('down', '-v', '--remove-orphans').catch((error: unknown) => process.stderr.write(`${String(error)}\n`));
    // The hub leaves its agents running when it stops (a restart adopts them): they go here.
    for (const c of ownerId ? await agentContainersOf(docker, ownerId) : [])
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    await api?.close();
    await db?.drop();
  }, 60_000);

  it('runs the hub as the non-root user of the image, in the socket group, on the host network; /health answers through it', async () => {
    const [container] = await docker.listContainers({ filters: { label: [`com.docker.compose.project=${project}`] } });
    const info = await docker.getContainer(container!.Id).inspect();
    expect(info.Config.Image).toBe(TEST_HUB_IMAGE);
    expect(info.Config.User).toBe('1000:1000');
    expect(info.HostConfig.NetworkMode).toBe('host');
    expect(info.HostConfig.GroupAdd).toEqual([env.DOCKER_GID]);
    expect(info.Mounts.map((m) => m.Destination).sort()).toEqual(['/data', SOCKET]);
    const health = (await (await fetch(`${hubUrl}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', db: 'ok', runtime: 'docker', network: 'host', bot: 'polling' });
  });

  it('a trader registers through the bot, creates an agent through /api/v1, and the hub spawns it through the socket; it trades', async () => {
    api.pushUpdate({
      message: {
        message_id: 1,
        date: Math.floor(Date.now() / 1000),
        text: '/start',
        chat: { id: CHAT, type: 'private', first_name: 'Compose' },
        from: { id: CHAT, is_bot: false, first_name: 'Compose' },
        entities: [{ type: 'bot_command', offset: 0, length: 6 }],
      },
    });
    await waitOrShowLogs(() => api.succeeded('sendMessage').some((c) => Number(c.payload.chat_id) === CHAT), 20_000, 'the reply to /start');
    const session = await call<{ token: string }>('POST', '/api/v1/session', undefined, {
      initData: signInitData({ botToken: TOKEN, user: { id: CHAT } }),
    });
    expect(session.status).toBe(200);
    const token = session.body.token;
    ownerId = (await call<{ id: string }>('GET', '/api/v1/me', token)).body.id;

    // SuperTrend with a 0.01 % take-profit and stop: it opens and closes within seconds (test/e2e/trading.process.test.ts).
    const created = await call<{ agent: { id: string; status: string }; started: boolean; startError: string | null }>(
      'POST',
      '/api/v1/agents',
      token,
      {
        symbol: 'BTCUSDT',
        name: 'compose-1',
        amountUsdt: 100,
        pollSeconds: 1,
        strategy: 'supertrend',
        tpSlMode: 'fixed',
        tpPct: 0.01,
        slPct: 0.01,
        maxSessionLossPct: 50,
      },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ started: true, startError: null, agent: { status: 'running' } });
    const agentId = created.body.agent.id;

    const containers = await agentContainersOf(docker, ownerId, false);
    expect(containers).toHaveLength(1);
    expect(containers[0]).toMatchObject({ Image: TEST_AGENT_IMAGE, State: 'running', HostConfig: { NetworkMode: 'host' } });
    expect(containers[0]!.Names).toEqual([`/artic-agent-${agentId}`]);

    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      await waitOrShowLogs(
        async () => (await sql.query('select 1 from trades where agent_id = $1 and exit_price is not null', [agentId])).rowCount! > 0,
        40_000,
        'a closed paper trade of the agent',
      );
    } finally {
      await sql.end();
    }
    const health = (await (await fetch(`${hubUrl}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ agents: { running: 1, total: 1 } });
  }, 80_000);
});
