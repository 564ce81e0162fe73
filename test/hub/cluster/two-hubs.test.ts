/**
 * Two hubs (`startApp` twice) on one PostgreSQL, as two replicas behind a load balancer: what one
 * replica learns, the other serves. A WebSocket client on B sees a status push posted to A; a
 * dashboard initData used on A is refused on B and a login code issued on A works on B once; an
 * agent token of a start through B works on A at once; a paper position opened through A is in
 * B's liquidation book and B's closes are known to A; alerts are queued once, by the origin.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestApp } from '../../support/app-harness.js';
import { startBotApiServer, type BotApiServer } from '../../support/bot-api-server.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { signInitData } from '../../support/init-data.js';
import { statusPush } from '../../support/status-push.js';

const BOT_TOKEN = '7000000001:AAtwo-hubs-test-token';
const TRADER = 4242;
type TestApp = Awaited<ReturnType<typeof startTestApp>>;

let db: TestDatabase;
let api: BotApiServer;
let a: TestApp;
let b: TestApp;
let ownerId: string;
let agentId: string;

const env = () => ({
  TELEGRAM_BOT_TOKEN: BOT_TOKEN,
  TELEGRAM_API_ROOT: api.apiRoot,
  ACCESS_MODE: 'open',
  AGENT_RUNTIME: 'process',
  // Both replicas sign and check the same tokens.
  INTERNAL_SECRET: 'i'.repeat(48),
  JWT_SECRET: 'j'.repeat(48),
  ENCRYPTION_KEY: '0123456789abcdef'.repeat(4),
});

async function post(app: TestApp, path: string, token: string | undefined, body: unknown) {
  const res = await fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  api = await startBotApiServer({ token: BOT_TOKEN });
  db = await createTestDatabase('twohubs');
  a = await startTestApp({ databaseUrl: db.url, env: { ...env(), HUB_REPLICA_ID: 'hub-a' } });
  b = await startTestApp({ databaseUrl: db.url, env: { ...env(), HUB_REPLICA_ID: 'hub-b' } });
  ownerId = (await a.hub.users.register(TRADER, 'Ada')).user.id;
  agentId = (await a.hub.agents.create(ownerId, { name: 'twin', symbol: 'BTCUSDT', amountUsdt: 100, leverage: 5 })).id;
}, 90_000);

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await api?.close();
  await db?.drop();
});

describe('two hubs on one database', () => {
  it('streams a status push posted to hub A to a WebSocket client on hub B', async () => {
    const token = await a.hub.agentAuth.issue(agentId);
    const ws = new WebSocket(`ws://127.0.0.1:${b.port}/ws`, {
      headers: { authorization: `Bearer ${await b.hub.userTokens.issue(ownerId)}` },
    });
    const messages: { type: string; data: Record<string, unknown> }[] = [];
    ws.on('message', (raw) => messages.push(JSON.parse((raw as Buffer).toString('utf8'))));
    await expect.poll(() => messages.some((m) => m.type === 'hello')).toBe(true);
    const res = await post(a, `/internal/agents/${agentId}/status`, token, statusPush(1, { lastAction: 'pushed to A' }));
    expect(res.status).toBe(202);
    await expect
      .poll(() => messages.find((m) => m.type === 'agent.status'), { timeout: 5000 })
      .toMatchObject({ data: { agentId, ownerId, status: { lastAction: 'pushed to A' } } });
    ws.close();
  });

  it('refuses on hub B a dashboard initData already used on hub A', async () => {
    const initData = signInitData({ botToken: BOT_TOKEN, user: { id: TRADER } });
    expect((await post(a, '/api/v1/session', undefined, { initData })).status).toBe(200);
    const replay = await post(b, '/api/v1/session', undefined, { initData });
    expect(replay.status).toBe(401);
    expect(String(replay.body.message)).toContain('used already');
  });

  it('accepts on hub B a login code issued on hub A, exactly once', async () => {
    const { code } = await a.hub.dashboardSessions.issueLoginCode(ownerId);
    expect((await post(b, '/api/v1/session', undefined, { loginCode: code })).status).toBe(200);
    expect((await post(a, '/api/v1/session', undefined, { loginCode: code })).status).toBe(401);
    expect((await post(b, '/api/v1/session', undefined, { loginCode: code })).status).toBe(401);
  });

  it('accepts on hub A at once the token of a start through hub B', async () => {
    const before = await a.hub.agentAuth.issue(agentId);
    expect((await post(a, `/internal/agents/${agentId}/status`, before, statusPush(10))).status).toBe(202); // A caches the generation
    const after = await b.hub.agentAuth.issue(agentId);
    expect((await post(a, `/internal/agents/${agentId}/status`, after, statusPush(11))).status).toBe(202);
  });

  it('refuses on hub A, once hub B announces the start, the token from before it', async () => {
    const before = await a.hub.agentAuth.issue(agentId);
    expect((await post(a, `/internal/agents/${agentId}/status`, before, statusPush(20))).status).toBe(202); // A caches the generation
    await b.hub.agentAuth.issue(agentId);
    const ref = { agentId, ownerId, agentName: 'twin' };
    const heard = a.hub.events.waitFor('agent.started', (e) => e.agentId === agentId, 5000);
    b.hub.events.emit('agent.started', { ...ref, port: 1, runtime: 'process' }); // what B's spawn emits after the new token
    await heard;
    expect((await post(a, `/internal/agents/${agentId}/status`, before, statusPush(21))).status).toBe(401);
  });

  it('watches on hub B a paper position opened through hub A, and tells A of a close by B', async () => {
    await a.orm.em.getConnection().execute(`update agents set status = 'running' where id = ?`, [agentId]);
    const opened = await a.hub.broker.execute(agentId, {
      idempotencyKey: randomUUID(),
      action: 'open',
      side: 'long',
      amountUsdt: 100,
      reason: 'signal',
    });
    expect(opened.status).toBe('open');
    expect(a.hub.openPositions.has(opened.tradeId)).toBe(true);
    await expect.poll(() => b.hub.openPositions.has(opened.tradeId), { timeout: 5000 }).toBe(true);

    const closedAlerts = async () => {
      const rows = await a.orm.em
        .getConnection()
        .execute<{ n: number }[]>(`select count(*)::int as n from outbound_messages where event_type = 'trade.closed' and chat_id = ?`, [
          TRADER,
        ]);
      return Number(rows[0]!.n);
    };
    const alertsBefore = await closedAlerts();
    const closed = await b.hub.broker.closeForOwner(agentId, opened.tradeId, 'force exit');
    expect(closed).toMatchObject({ status: 'closed', replayed: false });
    await expect.poll(() => a.hub.openPositions.has(opened.tradeId), { timeout: 5000 }).toBe(false);
    expect(a.hub.hubCloses.has(opened.tradeId)).toBe(true);
    // The close is queued as an alert by B, the origin; A saw the event too (its book moved) but queues nothing.
    await expect.poll(closedAlerts, { timeout: 5000 }).toBe(alertsBefore + 1);
    await b.hub.events.waitFor('agent.failed', () => false, 500).catch(() => undefined);
    expect(await closedAlerts()).toBe(alertsBefore + 1);
  });
});
