import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentCredentials } from '../../src/hub/auth/agent-credentials.js';
import { createTokenService } from '../../src/hub/auth/tokens.js';
import { createBroker, type Broker } from '../../src/hub/broker/broker.js';
import { createDecisionRecorder } from '../../src/hub/broker/decisions.js';
import { createHashKeyExchangeFactory } from '../../src/hub/broker/hashkey-keys.js';
import { internalOrderRoutes } from '../../src/http/routes/internal-orders.js';
import { buildTestHttpServer } from '../support/internal-server.js';
import { createLogger } from '../../src/logger.js';
import { brokerFixture, settablePrices, type BrokerFixture } from '../hub/broker/fixtures.js';
import { startHashKeyServer, type HashKeyServer } from '../support/hashkey-server.js';

const tokens = createTokenService({ internalSecret: 'i'.repeat(40), jwtSecret: 'j'.repeat(40) });
const prices = settablePrices({ BTCUSDT: 100 });
let fx: BrokerFixture;
let hk: HashKeyServer;
let app: FastifyInstance;
let owner: string;
let broker: Broker;
const key = () => crypto.randomUUID();

beforeAll(async () => {
  fx = await brokerFixture('orders_http');
  hk = await startHashKeyServer();
  owner = await fx.user();
  const logger = createLogger({ level: 'silent' });
  const exchangeFor = createHashKeyExchangeFactory({
    secrets: { resolve: async (_owner, name) => (name === 'HASHKEY_API_KEY' ? hk.apiKey : hk.secret) },
    baseUrl: hk.url,
    exchange: { fillPollIntervalMs: 5 },
  });
  broker = createBroker({
    orm: fx.orm,
    events: fx.events,
    prices,
    feeBps: 10,
    slippageBps: 0,
    exchangeFor,
    directory: fx.directory,
    logger,
  });
  const decisions = createDecisionRecorder({ orm: fx.orm, events: fx.events, directory: fx.directory, logger });
  app = await buildTestHttpServer(
    [{ plugin: internalOrderRoutes, options: { agentAuth: createAgentCredentials({ orm: fx.orm, tokens }), broker, decisions } }],
    logger,
  );
});

afterAll(async () => {
  await app?.close();
  await hk?.close();
  await fx?.close();
});

async function post(path: string, token: string | undefined, body: unknown) {
  return app.inject({
    method: 'POST',
    url: path,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

const open = (extra: Record<string, unknown> = {}) => ({
  idempotencyKey: key(),
  action: 'open',
  side: 'long',
  amountUsdt: 100,
  reason: 'signal',
  ...extra,
});

describe('POST /internal/agents/:id/orders', () => {
  it('401 without a token or with a bad one; 403 with another agent’s token', async () => {
    const a = await fx.agent(owner);
    const b = await fx.agent(owner);
    expect((await post(`/internal/agents/${a}/orders`, undefined, open())).statusCode).toBe(401);
    expect((await post(`/internal/agents/${a}/orders`, 'garbage', open())).statusCode).toBe(401);
    const res = await post(`/internal/agents/${a}/orders`, await tokens.mintAgentToken(b), open());
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'Forbidden' });
    expect(await fx.count('trades', 'agent_id in (?, ?)', [a, b])).toBe(0);
  });

  it('400 for bodies the schema refuses, never 500', async () => {
    const a = await fx.agent(owner);
    const token = await tokens.mintAgentToken(a);
    const bad: Array<Record<string, unknown>> = [
      open({ extra: 1 }),
      open({ side: undefined }),
      open({ side: 'sideways' }),
      open({ amountUsdt: -5 }),
      open({ amountUsdt: 'lots' }),
      open({ idempotencyKey: '' }),
      open({ idempotencyKey: 'has spaces in it' }),
      open({ action: 'flip' }),
      open({ tpPrice: 0 }),
      { idempotencyKey: key(), action: 'close' },
    ];
    for (const body of bad) {
      const res = await post(`/internal/agents/${a}/orders`, token, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error).toBeTypeOf('string');
      expect(res.json().message).toBeTypeOf('string');
    }
    expect(await fx.count('trades', 'agent_id = ?', [a])).toBe(0);
  });

  it('200 with the OrderResult; replay 200 `replayed`; 409 position_open / no_position', async () => {
    const a = await fx.agent(owner, { amountUsdt: 100, leverage: 2 });
    const token = await tokens.mintAgentToken(a);
    const body = open({ tpPrice: 110, slPrice: null });
    const first = await post(`/internal/agents/${a}/orders`, token, body);
    expect(first.statusCode).toBe(200);
    const result = first.json();
    // no slippage: 200 notional at 100 → qty 2, fee 0.2
    expect(result).toMatchObject({ status: 'open', side: 'long', qty: 2, price: 100, live: false, replayed: false, pnl: null });
    expect(result.fees).toBeCloseTo(0.2, 12);
    expect(result.position).toMatchObject({ leverage: 2, margin: 100, tpPrice: 110, slPrice: null });

    const again = await post(`/internal/agents/${a}/orders`, token, body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ ...result, replayed: true });

    const conflict = await post(`/internal/agents/${a}/orders`, token, open());
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toMatchObject({ error: 'position_open' });

    const closed = await post(`/internal/agents/${a}/orders`, token, { idempotencyKey: key(), action: 'close', reason: 'stop: user' });
    expect(closed.statusCode).toBe(200);
    expect(closed.json()).toMatchObject({ status: 'closed', position: null, tradeId: result.tradeId });

    const flat = await post(`/internal/agents/${a}/orders`, token, { idempotencyKey: key(), action: 'close', reason: 'again' });
    expect(flat.statusCode).toBe(409);
    expect(flat.json()).toMatchObject({ error: 'no_position' });
  });

  it('a close naming a trade the hub liquidated: 200 with that liquidation; hub keys and bad trade ids are 400', async () => {
    const a = await fx.agent(owner, { amountUsdt: 100, leverage: 10 });
    const token = await tokens.mintAgentToken(a);
    prices.set('BTCUSDT', 100);
    const opened = (await post(`/internal/agents/${a}/orders`, token, open())).json();
    const liquidated = await broker.liquidate(a, opened.tradeId);
    expect(liquidated).toMatchObject({ status: 'closed', closeReason: 'liquidation', replayed: false });

    const res = await post(`/internal/agents/${a}/orders`, token, {
      idempotencyKey: key(),
      action: 'close',
      reason: 'SL hit',
      tradeId: opened.tradeId,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ...liquidated, replayed: true });

    const notUuid = await post(`/internal/agents/${a}/orders`, token, {
      idempotencyKey: key(),
      action: 'close',
      reason: 'x',
      tradeId: 'not-a-uuid',
    });
    expect(notUuid.statusCode).toBe(400);
    const reserved = await post(`/internal/agents/${a}/orders`, token, {
      idempotencyKey: `hub:liquidation:${opened.tradeId}`,
      action: 'close',
      reason: 'x',
    });
    expect(reserved.statusCode).toBe(400);
    expect(reserved.json()).toMatchObject({ error: 'invalid_order' });
  });

  it('409 idempotency_conflict when the key names another order', async () => {
    const a = await fx.agent(owner);
    const token = await tokens.mintAgentToken(a);
    const body = open();
    expect((await post(`/internal/agents/${a}/orders`, token, body)).statusCode).toBe(200);
    const res = await post(`/internal/agents/${a}/orders`, token, { idempotencyKey: body.idempotencyKey, action: 'close', reason: 'x' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('idempotency_conflict');
  });

  it('401 for a validly signed token of an agent that does not exist', async () => {
    const ghost = crypto.randomUUID();
    const res = await post(`/internal/agents/${ghost}/orders`, await tokens.mintAgentToken(ghost), open());
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('Unauthorized');
  });

  it('503 price_unavailable when there is no price', async () => {
    const a = await fx.agent(owner);
    prices.fail = new Error('budget spent');
    try {
      const res = await post(`/internal/agents/${a}/orders`, await tokens.mintAgentToken(a), open());
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toBe('price_unavailable');
    } finally {
      prices.fail = undefined;
    }
  });

  it('live: 502 live_order_failed and an order.error on an exchange error, no trade; 422 for a live short', async () => {
    prices.set('BTCUSDT', 60_000);
    try {
      const a = await fx.agent(owner, { liveMode: true });
      const token = await tokens.mintAgentToken(a);
      // Refused (rate limited): nothing placed, worth retrying.
      hk.failNext({ path: '/api/v1.1/spot/order', method: 'POST', code: '0003', msg: 'Too many requests', httpStatus: 429 });
      const res = await post(`/internal/agents/${a}/orders`, token, open());
      expect(res.statusCode).toBe(502);
      expect(res.json()).toMatchObject({ error: 'live_order_failed' });
      expect(res.json().message).toMatch(/hashkey BUY BTCUSDT failed/);
      expect(res.json().message).not.toContain(hk.secret);
      expect(fx.seen('order.error').filter((e) => e.agentId === a)).toHaveLength(1);
      expect(await fx.count('trades', 'agent_id = ?', [a])).toBe(0);

      // A refusal that retrying cannot fix is a 422, so the agent stops instead of looping.
      hk.failNext({ path: '/api/v1.1/spot/order', method: 'POST', code: '0401', msg: 'Insufficient balance', httpStatus: 400 });
      const broke = await post(`/internal/agents/${a}/orders`, token, open());
      expect(broke.statusCode).toBe(422);
      expect(broke.json()).toMatchObject({ error: 'live_order_rejected' });
      expect(await fx.count('trades', 'agent_id = ?', [a])).toBe(0);

      const short = await post(`/internal/agents/${a}/orders`, token, open({ side: 'short' }));
      expect(short.statusCode).toBe(422);
      expect(short.json()).toMatchObject({ error: 'live_short_unsupported' });

      // the exchange is back: the same agent trades live
      const ok = await post(`/internal/agents/${a}/orders`, token, open());
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ live: true, status: 'open' });
    } finally {
      prices.set('BTCUSDT', 100);
    }
  });
});

describe('POST /internal/agents/:id/orders: what a running agent is told to wait for', () => {
  it('503 agent_starting with Retry-After for an open while starting; 409 agent_not_running once stopping', async () => {
    const a = await fx.agent(owner);
    const token = await tokens.mintAgentToken(a);
    await fx.setStatus(a, 'starting');
    const starting = await post(`/internal/agents/${a}/orders`, token, open());
    expect(starting.statusCode).toBe(503);
    expect(starting.headers['retry-after']).toBe('1');
    expect(starting.json()).toMatchObject({ error: 'agent_starting' });
    await fx.setStatus(a, 'stopping');
    const stopping = await post(`/internal/agents/${a}/orders`, token, open());
    expect(stopping.statusCode).toBe(409);
    expect(stopping.json()).toMatchObject({ error: 'agent_not_running' });
  });

  it('502 live_order_pending with Retry-After when the exchange does not confirm; other orders 409 order_in_flight meanwhile', async () => {
    prices.set('BTCUSDT', 60_000);
    try {
      const a = await fx.agent(owner, { liveMode: true });
      const token = await tokens.mintAgentToken(a);
      // An internal error on the order: it may or may not exist at the exchange.
      hk.failNext({ path: '/api/v1.1/spot/order', method: 'POST', code: '-1001', msg: 'Internal error', httpStatus: 500 });
      const res = await post(`/internal/agents/${a}/orders`, token, open());
      expect(res.statusCode).toBe(502);
      expect(res.headers['retry-after']).toBe('2');
      expect(res.json()).toMatchObject({ error: 'live_order_pending' });
      expect(fx.seen('order.error').filter((e) => e.agentId === a)).toHaveLength(1);
      const other = await post(`/internal/agents/${a}/orders`, token, open());
      expect(other.statusCode).toBe(409);
      expect(other.json()).toMatchObject({ error: 'order_in_flight' });
      expect(await fx.count('trades', 'agent_id = ?', [a])).toBe(0);
    } finally {
      prices.set('BTCUSDT', 100);
    }
  });
});

describe('POST /internal/agents/:id/decisions', () => {
  const decision = (extra: Record<string, unknown> = {}) => ({
    idempotencyKey: key(),
    action: 'KEEP',
    strategy: 'macd',
    confidence: 0.6,
    reasoning: 'MACD above signal.',
    ...extra,
  });

  it('200 with the decision id; replay flagged; 400 for bad bodies; 401/403', async () => {
    const a = await fx.agent(owner);
    const b = await fx.agent(owner);
    const token = await tokens.mintAgentToken(a);
    const body = decision();
    const first = await post(`/internal/agents/${a}/decisions`, token, body);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ replayed: false });
    const again = await post(`/internal/agents/${a}/decisions`, token, body);
    expect(again.json()).toEqual({ ...first.json(), replayed: true });
    expect(await fx.count('decisions', 'agent_id = ?', [a])).toBe(1);

    for (const bad of [
      decision({ confidence: 1.5 }),
      decision({ action: 'YOLO' }),
      decision({ extra: true }),
      decision({ reasoning: undefined }),
    ]) {
      const res = await post(`/internal/agents/${a}/decisions`, token, bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
    }
    expect((await post(`/internal/agents/${a}/decisions`, undefined, decision())).statusCode).toBe(401);
    expect((await post(`/internal/agents/${a}/decisions`, await tokens.mintAgentToken(b), decision())).statusCode).toBe(403);
  });

  it('stores a strategy name up to the one wire limit (64) and refuses a longer one with 400', async () => {
    const a = await fx.agent(owner);
    const token = await tokens.mintAgentToken(a);
    const long = 's'.repeat(60);
    const ok = await post(`/internal/agents/${a}/decisions`, token, decision({ strategy: long }));
    expect(ok.statusCode).toBe(200);
    const [row] = await fx.orm.em.getConnection().execute('select strategy from decisions where agent_id = ?', [a]);
    expect(row.strategy).toBe(long);
    expect((await post(`/internal/agents/${a}/decisions`, token, decision({ strategy: 's'.repeat(64) }))).statusCode).toBe(200);
    expect((await post(`/internal/agents/${a}/decisions`, token, decision({ strategy: 's'.repeat(65) }))).statusCode).toBe(400);
  });
});
