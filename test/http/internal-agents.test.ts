import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createAgentDirectory } from '../../src/hub/agents/agent-directory.js';
import { createAgentIngest, type AgentIngest } from '../../src/hub/agents/ingest.js';
import { createAgentCredentials, type AgentCredentials } from '../../src/hub/auth/agent-credentials.js';
import { createTokenService } from '../../src/hub/auth/tokens.js';
import { createUserTokens, type UserTokens } from '../../src/hub/auth/user-tokens.js';
import { createHubCloses } from '../../src/hub/broker/hub-closes.js';
import { HubEvents } from '../../src/hub/events.js';
import { createUserService } from '../../src/hub/users.js';
import { buildTestHttpServer } from '../support/internal-server.js';
import { internalAgentRoutes } from '../../src/http/routes/internal-agents.js';
import { wsRoutes } from '../../src/http/routes/ws.js';
import { createLogger } from '../../src/logger.js';
import type { Orm } from '../../src/db/orm.js';
import { createTestOrm } from '../support/db.js';
import { statusPush } from '../support/status-push.js';

/** A stream message's text: ws hands a client a Buffer (its default binaryType). */
const textOf = (m: WebSocket.RawData): string => (m as Buffer).toString('utf8');

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
let users: ReturnType<typeof createUserService>;
let agentAuth: AgentCredentials;
let userTokens: UserTokens;
/** Trades the hub closed itself; the paper book holds only `paper-open`. */
const hubCloses = createHubCloses();
const openPositions = {
  has: (tradeId: string) => tradeId === 'paper-open',
  // The agent's row: what another replica opened and this book has not heard of yet.
  confirmOpen: async (_agentId: string, tradeId: string) => tradeId === 'paper-opened-elsewhere',
};
/** Streams per user and in total for this server (small, so the tests reach them). */
const WS_LIMITS = { perUser: 5, total: 8 };

const status = statusPush;
const entry = (seq: number, message = `line ${seq}`) => ({ seq, level: 'info', message, ts: new Date().toISOString() });

beforeAll(async () => {
  ({ orm, close } = await createTestOrm('internal'));
  users = createUserService({ orm, accessMode: 'open', adminIds: [] });
  agentAuth = createAgentCredentials({ orm, tokens });
  userTokens = createUserTokens({ orm, tokens });
  const directory = createAgentDirectory({ orm, limits: { maxLeverage: 20 } });
  userA = (await users.register(1, 'A')).user.id;
  userB = (await users.register(2, 'B')).user.id;
  agentA = (await directory.create(userA, { symbol: 'BTCUSDT', amountUsdt: 100 })).id;
  agentB = (await directory.create(userB, { symbol: 'ETHUSDT', amountUsdt: 100 })).id;
  ingest = createAgentIngest({ orm, events, logger: createLogger({ level: 'silent' }), flushIntervalMs: 60_000 });
  app = await buildTestHttpServer([
    { plugin: internalAgentRoutes, options: { agentAuth, directory, ingest, openPositions, hubCloses } },
    { plugin: wsRoutes, options: { userTokens, events, limits: WS_LIMITS } },
  ]);
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
    const [row] = await orm.em
      .getConnection()
      .execute('select last_price, unrealized_pnl, active_strategy from agents where id = ?', [agentA]);
    expect(row).toEqual({ last_price: 103, unrealized_pnl: 1.5, active_strategy: 'momentum' });
  });

  it('stores a strategy name of 60 characters (one limit for the wire and the column)', async () => {
    const token = await tokens.mintAgentToken(agentA);
    const long = 'a'.repeat(60);
    expect((await post(`/internal/agents/${agentA}/status`, token, status(20, { strategy: long }))).statusCode).toBe(202);
    await ingest.flush();
    const [row] = await orm.em.getConnection().execute('select active_strategy, last_price from agents where id = ?', [agentA]);
    expect(row).toEqual({ active_strategy: long, last_price: 120 });
    expect((await post(`/internal/agents/${agentA}/status`, token, status(21, { strategy: 'a'.repeat(65) }))).statusCode).toBe(400);
  });

  it('stores a log batch in one go and a retried seq only once', async () => {
    const token = await tokens.mintAgentToken(agentA);
    const first = await post(`/internal/agents/${agentA}/logs`, token, { entries: [entry(1), entry(2), entry(3)] });
    expect(first.json()).toEqual({ stored: 3, duplicates: 0 });
    const retry = await post(`/internal/agents/${agentA}/logs`, token, { entries: [entry(2, 'again'), entry(3), entry(4)] });
    expect(retry.json()).toEqual({ stored: 1, duplicates: 2 });
    const rows: Array<{ seq: string; message: string }> = await orm.em
      .getConnection()
      .execute('select seq, message from log_entries where agent_id = ? order by seq', [agentA]);
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4]);
    expect(rows[1].message).toBe('line 2');
  });

  it("refuses a missing or bad token with 401 and another agent's token with 403", async () => {
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

  it('answers 401 for a validly signed token of an agent that does not exist', async () => {
    const token = await tokens.mintAgentToken('00000000-0000-4000-8000-000000000000');
    const res = await post('/internal/agents/00000000-0000-4000-8000-000000000000/status', token, status(1));
    expect(res.statusCode).toBe(401);
    const logs = await post('/internal/agents/00000000-0000-4000-8000-000000000000/logs', token, { entries: [entry(1)] });
    expect(logs.statusCode).toBe(401);
  });

  it.each([
    ['an oversized body', () => JSON.stringify({ ...status(12), lastAction: 'x'.repeat(100_000) })],
    ['malformed JSON', () => '{"seq": 1,'],
    ['a body failing the schema', () => JSON.stringify({ seq: 'no' })],
  ])('refuses %s with a bad agent token as 401, before the body is parsed', async (_what, body) => {
    for (const token of [undefined, 'not.a.jwt']) {
      const res = await post(`/internal/agents/${agentA}/status`, token, body());
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: 'Unauthorized' });
    }
  });
});

describe('GET /ws', () => {
  const address = () => {
    const a = app.server.address() as { port: number };
    return `ws://127.0.0.1:${a.port}/ws`;
  };

  interface Stream {
    ws: WebSocket;
    /** Resolves with 'hello' when the stream was accepted, or the close code when it was refused. */
    outcome: Promise<'hello' | number>;
    closed: Promise<number>;
  }

  function connect(token: string | undefined, via: 'header' | 'query' = 'header'): Stream {
    const url = via === 'query' && token ? `${address()}?token=${token}` : address();
    const ws = new WebSocket(url, via === 'header' && token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    const outcome = new Promise<'hello' | number>((resolve) => {
      ws.on('message', (m) => {
        if (JSON.parse(textOf(m)).type === 'hello') resolve('hello');
      });
      void closed.then(resolve);
    });
    return { ws, outcome, closed };
  }

  async function closeAll(streams: Stream[]): Promise<void> {
    for (const s of streams) s.ws.close();
    await Promise.all(streams.map((s) => s.closed));
  }

  /** A fresh stream for `token`, retried while the server still counts just-closed ones. */
  async function connectWhenFree(token: string): Promise<Stream> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const s = connect(token);
      if ((await s.outcome) === 'hello') return s;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('no stream accepted');
  }

  it("streams the user's own agents and nothing of other users'", async () => {
    const tokenA = await userTokens.issue(userA);
    const stream = connect(tokenA);
    const messages: Array<{ type: string; data: { agentId?: string } }> = [];
    stream.ws.on('message', (m) => messages.push(JSON.parse(textOf(m))));
    expect(await stream.outcome).toBe('hello');
    await post(`/internal/agents/${agentB}/status`, await tokens.mintAgentToken(agentB), status(100));
    await post(`/internal/agents/${agentA}/status`, await tokens.mintAgentToken(agentA), status(100));
    await post(`/internal/agents/${agentA}/logs`, await tokens.mintAgentToken(agentA), { entries: [entry(300)] });
    await new Promise((r) => setTimeout(r, 200));
    await closeAll([stream]);
    const streamed = messages.filter((m) => m.type !== 'hello');
    expect(streamed.map((m) => m.type)).toEqual(['agent.status', 'agent.log']);
    expect(streamed.every((m) => m.data.agentId === agentA)).toBe(true);
  });

  it('closes the streams of a user whose access an admin revoked (4403), and only theirs', async () => {
    const open = async (userId: string) => {
      const ws = new WebSocket(address(), { headers: { authorization: `Bearer ${await tokens.mintUserToken(userId)}` } });
      const closed = new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
      await new Promise<void>((resolve, reject) => {
        ws.on('message', (m) => JSON.parse(textOf(m)).type === 'hello' && resolve());
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
    expect(await connect('bad', 'query').outcome).toBe(4401);
    expect(await connect(undefined).outcome).toBe(4401);
    // A user token of a user that does not exist is as good as none.
    expect(await connect(await tokens.mintUserToken('00000000-0000-4000-8000-000000000000')).outcome).toBe(4401);
  });

  it('refuses a revoked token and closes the streams it opened', async () => {
    const old = await userTokens.issue(userB);
    const open = connect(old, 'query');
    expect(await open.outcome).toBe('hello');
    await userTokens.revoke(userB);
    expect(await open.closed).toBe(4401);
    expect(await connect(old).outcome).toBe(4401);
    const fresh = connect(await userTokens.issue(userB));
    expect(await fresh.outcome).toBe('hello');
    await closeAll([fresh]);
  });

  it("checks the user's status on connect: a user who is no longer active is refused with 4403", async () => {
    const carol = (await users.register(3, 'C')).user.id;
    const token = await userTokens.issue(carol);
    await users.decide(3, 'deny');
    expect(await connect(token).outcome).toBe(4403);
    await users.decide(3, 'approve');
    const back = connect(token);
    expect(await back.outcome).toBe('hello');
    await closeAll([back]);
  });

  it('caps streams per user (the 6th is refused with 4429) and in total', async () => {
    const tokenA = await userTokens.issue(userA);
    const five: Stream[] = [];
    for (let i = 0; i < WS_LIMITS.perUser; i++) five.push(await connectWhenFree(tokenA));
    const sixth = connect(tokenA);
    expect(await sixth.outcome).toBe(4429);
    // Closing one makes room again.
    await closeAll([five.pop()!]);
    five.push(await connectWhenFree(tokenA));

    // 5 for A + 3 for B reach the total of 8: B's next one is refused though B has only 3.
    const tokenB = await userTokens.issue(userB);
    const three = [await connectWhenFree(tokenB), await connectWhenFree(tokenB), await connectWhenFree(tokenB)];
    expect(await connect(tokenB).outcome).toBe(4429);
    await closeAll([...five, ...three]);
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

/**
 * The status ack names the pushed position's trade when the hub no longer holds it open: a paper
 * trade gone from the open-positions book, or any trade, paper or live, the hub closed itself (a
 * force exit of a running agent). A live position has no liquidation price and is never in the
 * book: only the hub's record of its own closes tells it.
 */
describe('status ack: trades the hub closed', () => {
  const position = (tradeId: string, liquidationPrice: number | null) => ({
    tradeId,
    side: 'long',
    qty: 1,
    entryPrice: 100,
    leverage: 1,
    margin: 100,
    liquidationPrice,
    tpPrice: null,
    slPrice: null,
    openedAt: new Date().toISOString(),
  });
  let seq = 1000; // above every seq the other tests push for agent A
  async function ack(pushed: ReturnType<typeof position> | null): Promise<unknown> {
    const res = await post(`/internal/agents/${agentA}/status`, await tokens.mintAgentToken(agentA), status(++seq, { position: pushed }));
    expect(res.statusCode).toBe(202);
    return res.json();
  }

  it('names a live trade the hub closed itself, and no other', async () => {
    expect(await ack(position('live-held', null))).toEqual({ accepted: true });
    hubCloses.remember('live-held');
    expect(await ack(position('live-held', null))).toEqual({ accepted: true, closedTradeId: 'live-held' });
    expect(await ack(position('live-other', null))).toEqual({ accepted: true });
    expect(await ack(null)).toEqual({ accepted: true });
  });

  it('names a paper trade gone from the book, or closed by the hub, and not one still open', async () => {
    expect(await ack(position('paper-open', 90))).toEqual({ accepted: true });
    expect(await ack(position('paper-gone', 90))).toEqual({ accepted: true, closedTradeId: 'paper-gone' });
    hubCloses.remember('paper-forced');
    expect(await ack(position('paper-forced', 90))).toEqual({ accepted: true, closedTradeId: 'paper-forced' });
  });

  it('does not name a paper trade missing from the book that the agent row still holds open (opened through another replica)', async () => {
    expect(await ack(position('paper-opened-elsewhere', 90))).toEqual({ accepted: true });
  });

  it('forgets the oldest closes beyond its bound', () => {
    const small = createHubCloses({ max: 2 });
    for (const id of ['a', 'b', 'c']) small.remember(id);
    expect(['a', 'b', 'c'].map((id) => small.has(id))).toEqual([false, true, true]);
  });
});
