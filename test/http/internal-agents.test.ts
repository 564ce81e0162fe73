import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createAgentDirectory } from '../../src/hub/agents/agent-directory.js';
import { createAgentIngest, type AgentIngest } from '../../src/hub/agents/ingest.js';
import { createTokenService } from '../../src/hub/auth/tokens.js';
import { HubEvents } from '../../src/hub/events.js';
import { createUserService } from '../../src/hub/users.js';
import { buildHttpServer } from '../../src/http/server.js';
import { internalAgentRoutes } from '../../src/http/routes/internal-agents.js';
import { wsRoutes } from '../../src/http/routes/ws.js';
import { createLogger } from '../../src/logger.js';
import type { Orm } from '../../src/db/orm.js';
import { createTestOrm } from '../support/db.js';

const tokens = createTokenService({ internalSecret: 'i'.repeat(40), jwtSecret: 'j'.repeat(40) });
const events = new HubEvents();
let orm: Orm;
let close: () => Promise<void>;
let app: FastifyInstance;
let ingest: AgentIngest;
let agentA: string;
let agentB: string;
let userA: string;
let userB: string;

const status = (seq: number, extra: Record<string, unknown> = {}) => ({
  seq,
  state: 'running',
  price: 100 + seq,
  position: null,
  unrealizedPnl: 1.5,
  realizedPnl: 0,
  strategy: 'momentum',
  lastAction: 'hold',
  stale: false,
  simulated: true,
  ts: new Date().toISOString(),
  ...extra,
});
const entry = (seq: number, message = `line ${seq}`) => ({ seq, level: 'info', message, ts: new Date().toISOString() });

beforeAll(async () => {
  ({ orm, close } = await createTestOrm('internal'));
  const users = createUserService({ orm, accessMode: 'open', adminIds: [] });
  const directory = createAgentDirectory({ orm, limits: { maxLeverage: 20 } });
  userA = (await users.register(1, 'A')).user.id;
  userB = (await users.register(2, 'B')).user.id;
  agentA = (await directory.create(userA, { symbol: 'BTCUSDT', amountUsdt: 100 })).id;
  agentB = (await directory.create(userB, { symbol: 'ETHUSDT', amountUsdt: 100 })).id;
  ingest = createAgentIngest({ orm, events, logger: createLogger({ level: 'silent' }), flushIntervalMs: 60_000 });
  app = await buildHttpServer({
    logger: createLogger({ level: 'silent' }),
    health: async () => ({ status: 'ok', db: 'ok', runtime: 'none', bot: 'disabled', chain: 'disabled', agents: { running: 0, total: 0 }, version: 't', uptimeSeconds: 0 }),
    plugins: [
      { plugin: internalAgentRoutes, options: { tokens, directory, ingest } },
      { plugin: wsRoutes, options: { tokens, events } },
    ],
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await ingest?.close();
  await close?.();
});

async function post(path: string, token: string | undefined, body: unknown) {
  return app.inject({
    method: 'POST',
    url: path,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('internal agent API', () => {
  it('accepts a status push and writes the newest status to the agent row', async () => {
    const token = await tokens.mintAgentToken(agentA);
    expect((await post(`/internal/agents/${agentA}/status`, token, status(1))).statusCode).toBe(202);
    expect((await post(`/internal/agents/${agentA}/status`, token, status(3))).statusCode).toBe(202);
    expect((await post(`/internal/agents/${agentA}/status`, token, status(2))).statusCode).toBe(202); // late, ignored
    await ingest.flush();
    const [row] = await orm.em.getConnection().execute('select last_price, unrealized_pnl, active_strategy from agents where id = ?', [agentA]);
    expect(row).toEqual({ last_price: 103, unrealized_pnl: 1.5, active_strategy: 'momentum' });
  });

  it('stores a log batch in one go and a retried seq only once', async () => {
    const token = await tokens.mintAgentToken(agentA);
    const first = await post(`/internal/agents/${agentA}/logs`, token, { entries: [entry(1), entry(2), entry(3)] });
    expect(first.json()).toEqual({ stored: 3, duplicates: 0 });
    const retry = await post(`/internal/agents/${agentA}/logs`, token, { entries: [entry(2, 'again'), entry(3), entry(4)] });
    expect(retry.json()).toEqual({ stored: 1, duplicates: 2 });
    const rows: Array<{ seq: string; message: string }> = await orm.em.getConnection().execute('select seq, message from log_entries where agent_id = ? order by seq', [agentA]);
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4]);
    expect(rows[1].message).toBe('line 2');
  });

  it('refuses a missing or bad token with 401 and another agent\'s token with 403', async () => {
    expect((await post(`/internal/agents/${agentA}/status`, undefined, status(9))).statusCode).toBe(401);
    expect((await post(`/internal/agents/${agentA}/status`, 'not.a.jwt', status(9))).statusCode).toBe(401);
    const userToken = await tokens.mintUserToken(userA);
    expect((await post(`/internal/agents/${agentA}/status`, userToken, status(9))).statusCode).toBe(401);
    const forged = await createTokenService({ internalSecret: 'x'.repeat(40), jwtSecret: 'j'.repeat(40) }).mintAgentToken(agentA);
    expect((await post(`/internal/agents/${agentA}/status`, forged, status(9))).statusCode).toBe(401);
    const tokenB = await tokens.mintAgentToken(agentB);
    const cross = await post(`/internal/agents/${agentA}/logs`, tokenB, { entries: [entry(50)] });
    expect(cross.statusCode).toBe(403);
    expect(cross.json()).toEqual({ error: 'Forbidden', message: 'This token belongs to another agent' });
  });

  it.each([
    ['malformed JSON', '{"seq": 1,'],
    ['an unknown field', { ...status(10), extra: true }],
    ['a wrong type', { ...status(10), price: 'high' }],
    ['a missing field', { seq: 10 }],
    ['a negative seq', status(-1)],
  ])('rejects %s with a 400 {error, message}', async (_what, body) => {
    const token = await tokens.mintAgentToken(agentA);
    const res = await post(`/internal/agents/${agentA}/status`, token, body);
    expect(res.statusCode).toBe(400);
    expect(Object.keys(res.json()).sort()).toEqual(['error', 'message']);
  });

  it('rejects oversized bodies and batches with 4xx', async () => {
    const token = await tokens.mintAgentToken(agentA);
    const huge = await post(`/internal/agents/${agentA}/status`, token, { ...status(11), lastAction: 'x'.repeat(20_000) });
    expect(huge.statusCode).toBe(413);
    const many = await post(`/internal/agents/${agentA}/logs`, token, { entries: Array.from({ length: 501 }, (_, i) => entry(1000 + i)) });
    expect(many.statusCode).toBe(400);
    const longLine = await post(`/internal/agents/${agentA}/logs`, token, { entries: [entry(2000, 'y'.repeat(4001))] });
    expect(longLine.statusCode).toBe(400);
  });

  it('answers 404 for a token of a deleted agent', async () => {
    const token = await tokens.mintAgentToken('00000000-0000-4000-8000-000000000000');
    const res = await post('/internal/agents/00000000-0000-4000-8000-000000000000/status', token, status(1));
    expect(res.statusCode).toBe(404);
  });
});

describe('GET /ws', () => {
  const address = () => {
    const a = app.server.address() as { port: number };
    return `ws://127.0.0.1:${a.port}/ws`;
  };

  it('streams the user\'s own agents and nothing of other users\'', async () => {
    const tokenA = await tokens.mintUserToken(userA);
    const ws = new WebSocket(address(), { headers: { authorization: `Bearer ${tokenA}` } });
    const messages: Array<{ type: string; data: { agentId?: string } }> = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (m) => {
        const msg = JSON.parse(String(m));
        messages.push(msg);
        if (msg.type === 'hello') resolve();
      });
      ws.on('error', reject);
    });
    await post(`/internal/agents/${agentB}/status`, await tokens.mintAgentToken(agentB), status(100));
    await post(`/internal/agents/${agentA}/status`, await tokens.mintAgentToken(agentA), status(100));
    await post(`/internal/agents/${agentA}/logs`, await tokens.mintAgentToken(agentA), { entries: [entry(300)] });
    await new Promise((r) => setTimeout(r, 200));
    ws.close();
    const streamed = messages.filter((m) => m.type !== 'hello');
    expect(streamed.map((m) => m.type)).toEqual(['agent.status', 'agent.log']);
    expect(streamed.every((m) => m.data.agentId === agentA)).toBe(true);
  });

  it('closes the streams of a user whose access an admin revoked (4403), and only theirs', async () => {
    const open = async (userId: string) => {
      const ws = new WebSocket(address(), { headers: { authorization: `Bearer ${await tokens.mintUserToken(userId)}` } });
      const closed = new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
      await new Promise<void>((resolve, reject) => {
        ws.on('message', (m) => JSON.parse(String(m)).type === 'hello' && resolve());
        ws.on('error', reject);
      });
      return { ws, closed };
    };
    const a = await open(userA);
    const b = await open(userB);
    events.emit('user.access_revoked', { ownerId: userA, reason: 'access revoked by an admin' });
    expect(await a.closed).toBe(4403);
    expect(b.ws.readyState).toBe(WebSocket.OPEN);
    b.ws.close();
    await b.closed;
  });

  it('closes unauthenticated connections with 4401', async () => {
    const ws = new WebSocket(`${address()}?token=bad`);
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    expect(code).toBe(4401);
  });
});

describe('log query', () => {
  it('reads recent lines and lines after a seq, filtered by level', async () => {
    const { createLogQuery } = await import('../../src/hub/agents/agent-logs.js');
    const token = await tokens.mintAgentToken(agentB);
    await post(`/internal/agents/${agentB}/logs`, token, {
      entries: [entry(1), { ...entry(2), level: 'warn' }, entry(3), { ...entry(4), level: 'error' }],
    });
    const logs = createLogQuery(orm);
    expect((await logs.recent(agentB, 2)).map((e) => e.seq)).toEqual([3, 4]);
    expect((await logs.recent(agentB, 10, 'warn')).map((e) => e.seq)).toEqual([2, 4]);
    expect((await logs.after(agentB, 2, 10)).map((e) => e.seq)).toEqual([3, 4]);
    expect(await logs.after(agentA, 0, 10, 'error')).toEqual([]);
  });
});
