import { afterEach, describe, expect, it } from 'vitest';
import { createAgentController } from '../../agent/src/agent-controller.js';
import { createBearerCheck } from '../../agent/src/auth.js';
import { createAgentServer, type AgentServer } from '../../agent/src/server.js';
import type { AgentHealth, AgentStatus } from '../../src/shared/wire.js';
import { startFakeHub, type FakeHub } from '../support/fake-hub.js';
import { memoryLog, openPosition, startRequest } from './helpers.js';

const TOKEN = 'server-test-token-0123456789';
const AGENT = 'agent-1';

let server: AgentServer | undefined;
let hub: FakeHub | undefined;
afterEach(async () => {
  await server?.close();
  await hub?.close();
  server = undefined;
  hub = undefined;
});

async function setup(signal = { value: 0 }, defaultHubUrls: string[] = []) {
  hub = await startFakeHub({ agentId: AGENT, token: TOKEN });
  const { log, lines } = memoryLog(AGENT);
  const controller = createAgentController({
    agentId: AGENT,
    token: TOKEN,
    defaultHubUrls,
    log,
    engineOptions: { cooldownTicks: 0, candleRefreshMs: 0 },
    hubClientOptions: { logFlushMs: 10, backoff: { baseMs: 5, maxMs: 20 } },
    evaluateSignal: () => ({ signal: signal.value, reason: 'scripted' }),
  });
  server = createAgentServer({ controller, token: TOKEN, log });
  const addr = await server.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${addr.port}`;
  const call = async (method: string, path: string, body?: unknown, auth: string | null = `Bearer ${TOKEN}`, raw?: string) => {
    const res = await fetch(base + path, {
      method,
      headers: { ...(auth ? { authorization: auth } : {}), ...(body !== undefined || raw ? { 'content-type': 'application/json' } : {}) },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  return { hub, call, lines, signal };
}

describe('agent server: auth', () => {
  it('refuses requests without the token, with a wrong one, or another scheme', async () => {
    const { call } = await setup();
    const wrongSameLength = TOKEN.slice(0, -1) + (TOKEN.endsWith('9') ? '8' : '9');
    for (const auth of [null, 'Bearer nope', `Bearer ${wrongSameLength}`, `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, 'Bearer ']) {
      for (const [method, path] of [
        ['GET', '/health'],
        ['GET', '/status'],
        ['POST', '/start'],
        ['POST', '/stop'],
        ['POST', '/config'],
        ['GET', '/nowhere'],
      ]) {
        const res = await call(method, path, undefined, auth);
        expect(res.status, `${method} ${path} with ${auth}`).toBe(401);
        expect(res.body).toEqual({ error: 'unauthorized', message: 'missing or invalid agent token' });
      }
    }
  });

  it('answers /health with the token', async () => {
    const { call } = await setup();
    const res = await call('GET', '/health');
    expect(res.status).toBe(200);
    const health = res.body as AgentHealth;
    expect(health).toMatchObject({ ok: true, agentId: AGENT, state: 'idle', version: expect.any(String) });
    expect(health.uptimeMs).toBeGreaterThanOrEqual(0);
  });

  it('the bearer check compares any length without throwing (hash then timingSafeEqual)', () => {
    const check = createBearerCheck('abc');
    expect(check('Bearer abc')).toBe(true);
    expect(check('bearer abc')).toBe(true);
    expect(check('Bearer ab')).toBe(false);
    expect(check('Bearer ' + 'x'.repeat(10_000))).toBe(false);
    expect(check(undefined)).toBe(false);
    expect(check('abc')).toBe(false);
    expect(() => createBearerCheck('')).toThrow(RangeError);
  });
});

describe('agent server: bad requests', () => {
  it('answers 400 on bad JSON or a bad body, and keeps serving', async () => {
    const { call, hub } = await setup();
    expect(await call('POST', '/start', undefined, `Bearer ${TOKEN}`, '{"config": ')).toMatchObject({
      status: 400,
      body: { error: 'invalid_json' },
    });
    const bad = startRequest(hub.url, { config: { amountUsdt: -5 } });
    expect(await call('POST', '/start', bad)).toMatchObject({
      status: 400,
      body: { error: 'bad_request', message: expect.stringContaining('config.amountUsdt') },
    });
    expect(await call('POST', '/start', [1, 2])).toMatchObject({ status: 400 });
    expect(await call('POST', '/start', { ...startRequest(hub.url), nextLogSeq: 'one' })).toMatchObject({ status: 400 });
    expect(await call('POST', '/stop', { closePosition: 'yes' })).toMatchObject({ status: 400 });
    expect(await call('POST', '/start', startRequest(hub.url, { config: { agentId: 'agent-2' } }))).toMatchObject({
      status: 400,
      body: { error: 'agent_mismatch' },
    });
    expect(await call('GET', '/start')).toMatchObject({ status: 405 });
    expect(await call('GET', '/nope')).toMatchObject({ status: 404, body: { error: 'not_found' } });
    const huge = { ...startRequest(hub.url), pad: 'x'.repeat(600 * 1024) };
    expect((await call('POST', '/start', huge)).status).toBe(413);
    expect((await call('GET', '/health')).status).toBe(200);
  });
});

describe('agent server: lifecycle against the fake hub', () => {
  it('start → trade → status → stop closing the position, with logs and statuses pushed', async () => {
    const signal = { value: 0 };
    const { call, hub } = await setup(signal);
    const req = startRequest(hub.url, { nextLogSeq: 100, config: { pollSeconds: 0.05, strategy: 'momentum' } });
    const started = await call('POST', '/start', req);
    expect(started.status).toBe(200);
    expect((started.body as AgentStatus).state).toBe('running');
    expect(await call('POST', '/start', req)).toMatchObject({ status: 409, body: { error: 'agent_busy' } });

    signal.value = 0.7;
    await hub.waitFor(() => hub.fills.length === 1, 5_000, 'the open');
    signal.value = 0.1;
    const status = (await call('GET', '/status')).body as AgentStatus;
    expect(status).toMatchObject({ agentId: AGENT, state: 'running', strategy: 'momentum', position: { side: 'long', tradeId: 't1' } });
    expect((await call('GET', '/health')).body.state).toBe('running');

    hub.setPrice(104);
    const stopped = await call('POST', '/stop', { closePosition: true, reason: 'test done' });
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ state: 'stopped', position: null, realizedPnl: 4 });
    expect(hub.orders.map((o) => [o.action, o.reason])).toEqual([
      ['open', expect.any(String)],
      ['close', 'stop: test done'],
    ]);
    // The stop flushed: logs and the final status are at the hub already.
    expect(hub.statuses[hub.statuses.length - 1]).toMatchObject({ state: 'stopped', position: null });
    const seqs = hub.logs.map((e) => e.seq);
    expect(seqs[0]).toBe(100);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => 100 + i));
    const messages = hub.logs.map((e) => e.message);
    expect(messages[0]).toMatch(/^start: BTCUSDT 1m/);
    expect(messages.some((m) => m.startsWith('opened long'))).toBe(true);
    expect(messages.some((m) => m.startsWith('closed long') && m.endsWith('stop: test done'))).toBe(true);
    expect(messages[messages.length - 1]).toBe('stopped: test done');
    expect(messages.join('\n')).not.toContain(TOKEN);

    // A stopped agent can be started again (e.g. after an edit).
    expect((await call('POST', '/start', { ...req, nextLogSeq: 500 })).status).toBe(200);
    expect((await call('POST', '/stop', {})).body.state).toBe('stopped');
  });

  it('stop without closePosition leaves the position to the hub (closeOnStop false)', async () => {
    const signal = { value: 0.7 };
    const { call, hub } = await setup(signal);
    await call('POST', '/start', startRequest(hub.url, { config: { pollSeconds: 0.05, closeOnStop: false } }));
    await hub.waitFor(() => hub.fills.length === 1, 5_000, 'the open');
    const stopped = await call('POST', '/stop');
    expect(stopped.body).toMatchObject({ state: 'stopped', position: { tradeId: 't1' } });
    expect(hub.orders.filter((o) => o.action === 'close')).toHaveLength(0);
    expect(hub.position).not.toBeNull();
  });

  it('/stop before any /start answers the idle status', async () => {
    const { call } = await setup();
    expect(await call('POST', '/stop')).toMatchObject({ status: 200, body: { state: 'idle' } });
  });
});

describe('agent server: hub URLs', () => {
  it("takes the start request's hubUrls over its hubUrl and the environment's, and fails over from a dead first one", async () => {
    const dead = 'http://127.0.0.1:1';
    const { hub, call, lines } = await setup(undefined, [dead]);
    const res = await call('POST', '/start', startRequest(dead, { hubUrls: [dead, hub.url], config: { pollSeconds: 0.05 } }));
    expect(res.status).toBe(200);
    await hub.waitFor(() => hub.statuses.length >= 2, 5_000, 'status pushes');
    expect(lines.find((l) => l.msg.startsWith('start:'))?.msg).toContain(`hub ${dead} | ${hub.url.replace(/\/$/, '')}`);
    expect(lines.filter((l) => l.msg.includes('switching to hub'))).toHaveLength(1);
    await call('POST', '/stop', { closePosition: false });
  });

  it('without hubUrls uses the one hubUrl, else the environment, else refuses to start', async () => {
    const { hub, call } = await setup(undefined, ['http://127.0.0.1:1']);
    expect((await call('POST', '/start', startRequest(hub.url, { config: { pollSeconds: 0.05 } }))).status).toBe(200);
    await hub.waitFor(() => hub.statuses.length >= 1, 5_000, 'a status push');
    await call('POST', '/stop', { closePosition: false });
    await server!.close();
    await hub.close();
    const bare = await setup();
    const refused = await bare.call('POST', '/start', startRequest(''));
    expect(refused).toMatchObject({ status: 400, body: { error: 'no_hub_url' } });
  });
});

describe('agent server: live settings (POST /config)', () => {
  it('refuses /config without a running session, with fields that need a restart, or bad values', async () => {
    const { call, hub } = await setup();
    expect(await call('POST', '/config', { tpPct: 3 })).toMatchObject({ status: 409, body: { error: 'not_running' } });
    await call('POST', '/start', startRequest(hub.url, { config: { pollSeconds: 0.05 } }));
    expect(await call('POST', '/config', { tpPct: 3, leverage: 10 })).toMatchObject({
      status: 400,
      body: { error: 'unknown_field', message: expect.stringContaining('body.leverage: not a setting a running agent applies') },
    });
    expect(await call('POST', '/config', {})).toMatchObject({
      status: 400,
      body: { error: 'bad_request', message: expect.stringContaining('at least one of') },
    });
    expect(await call('POST', '/config', { tpPct: -1 })).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('body.tpPct') },
    });
    expect(await call('POST', '/config', { closeOnStop: 'yes' })).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('body.closeOnStop') },
    });
    expect(await call('POST', '/config', [1])).toMatchObject({ status: 400 });
    expect(await call('GET', '/config')).toMatchObject({ status: 405 });
    expect(await call('POST', '/config', { tpPct: null, maxSessionLossPct: 20 })).toMatchObject({
      status: 200,
      body: { state: 'running' },
    });
    await call('POST', '/stop', {});
    expect(await call('POST', '/config', { tpPct: 3 })).toMatchObject({ status: 409, body: { error: 'not_running' } });
  });

  it('a take-profit moved below the price closes the held long at the new level on the next tick', async () => {
    const { call, hub } = await setup();
    const position = openPosition({ tradeId: 't-held', entryPrice: 100, qty: 1 });
    hub.setPosition(position);
    hub.setPrice(104);
    await call('POST', '/start', startRequest(hub.url, { position, config: { pollSeconds: 0.05, tpPct: 50 } }));
    await hub.waitFor(() => hub.statuses.length >= 3, 5_000, 'a few ticks at TP 150');
    expect(hub.orders).toHaveLength(0);
    const res = await call('POST', '/config', { tpPct: 3 });
    expect(res.status).toBe(200);
    expect((res.body as AgentStatus).position!.tpPrice).toBeCloseTo(103, 9);
    await hub.waitFor(() => hub.orders.some((o) => o.action === 'close'), 5_000, 'the close');
    expect(hub.orders.map((o) => [o.action, o.reason])).toEqual([['close', 'TP hit: price 104 ≥ TP 103']]);
    expect(hub.position).toBeNull();
  });

  it('closeOnStop changed live decides what a plain /stop does', async () => {
    const { call, hub } = await setup();
    const position = openPosition({ tradeId: 't-kept' });
    hub.setPosition(position);
    await call('POST', '/start', startRequest(hub.url, { position, config: { pollSeconds: 0.05, closeOnStop: true } }));
    expect((await call('POST', '/config', { closeOnStop: false })).status).toBe(200);
    expect((await call('POST', '/stop')).body).toMatchObject({ state: 'stopped', position: { tradeId: 't-kept' } });
    expect(hub.orders).toHaveLength(0);
  });
});
