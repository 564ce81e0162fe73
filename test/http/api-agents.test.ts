/**
 * The client API's agent routes over real HTTP, a real hub and PostgreSQL (in-test agent
 * programs, paper broker): every route is scoped to the caller (another user's agent: 404),
 * validates its input (400 `validation_failed`, the chat's words for settings), and reads the
 * same hub figures the chat shows. `/ws` with a session token streams only the caller's agents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateField } from '../../src/hub/agents/agent-input.js';
import { createApiHarness, type ApiHarness, type ApiUser } from '../support/api-harness.js';

let h: ApiHarness;
let ann: ApiUser;
let bob: ApiUser;

beforeAll(async () => {
  h = await createApiHarness({ env: { ACCESS_MODE: 'open' } });
  ann = await h.trader(9201);
  bob = await h.trader(9202);
});
afterAll(async () => h?.close());

type Json = Record<string, unknown>;
const get = (path: string, who = ann) => h.call<Json>('GET', path, who.token);
const post = (path: string, body: unknown = {}, who = ann) => h.call<Json>('POST', path, who.token, body);
const openLong = (agentId: string) => h.openLong(agentId);
const agentOf = (who: ApiUser, name: string, start = false) => h.agentOf(who, name, { start, amountUsdt: 500 });

describe('GET /api/v1/agents and /api/v1/agents/:id', () => {
  it("lists the caller's agents only, with status, mode, position and PnL", async () => {
    const mine = await agentOf(ann, 'list-mine', true);
    await openLong(mine.id);
    const theirs = await agentOf(bob, 'list-theirs');
    const res = await get('/api/v1/agents');
    expect(res.status).toBe(200);
    const agents = res.body.agents as Json[];
    expect(agents.map((a) => a.id)).toContain(mine.id);
    expect(agents.map((a) => a.id)).not.toContain(theirs.id);
    const item = agents.find((a) => a.id === mine.id)!;
    expect(item).toMatchObject({
      name: 'list-mine',
      symbol: 'BTCUSDT',
      status: 'running',
      mode: 'paper',
      timeframe: '15m',
      amountUsdt: 500,
    });
    expect(item.position).toMatchObject({ side: 'long' });
    expect(typeof item.unrealizedPnl).toBe('number');
    expect(Date.parse(String(item.updatedAt))).not.toBeNaN();
  });

  it("answers another user's agent with 404 and a malformed id with 400", async () => {
    const theirs = await agentOf(bob, 'detail-theirs');
    expect(await get(`/api/v1/agents/${theirs.id}`)).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect((await get(`/api/v1/agents/${theirs.id}`, bob)).status).toBe(200);
    expect(await get('/api/v1/agents/detail-theirs')).toMatchObject({ status: 400, body: { error: 'validation_failed' } });
  });

  it('gives the page of one agent: config, levels of the open position, times', async () => {
    const mine = await agentOf(ann, 'detail-mine', true);
    await openLong(mine.id);
    const res = await get(`/api/v1/agents/${mine.id}`);
    expect(res.status).toBe(200);
    expect(res.body.config).toMatchObject({ symbol: 'BTCUSDT', amountUsdt: 500, leverage: 5, tpSlMode: 'fixed', llmDailyBudgetUsd: null });
    const kinds = (res.body.levels as Array<{ kind: string }>).map((l) => l.kind);
    expect(kinds[0]).toBe('entry');
    expect(kinds).toContain('liquidation');
    expect(res.body.startedAt).not.toBeNull();
  });
});

describe('POST /api/v1/agents', () => {
  it('creates and starts an agent like the chat does', async () => {
    const res = await post('/api/v1/agents', { symbol: 'eth/usdt', amountUsdt: 250, name: 'api-made', leverage: 3, slPct: 2 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ started: true, startError: null, agent: { name: 'api-made', symbol: 'ETHUSDT', status: 'running' } });
    expect((res.body.agent as Json).config).toMatchObject({ leverage: 3, slPct: 2, amountUsdt: 250 });
  });

  it('saves without starting when asked', async () => {
    const res = await post('/api/v1/agents', { symbol: 'SOLUSDT', amountUsdt: 100, name: 'api-idle', start: false });
    expect(res).toMatchObject({ status: 201, body: { started: false, agent: { status: 'created' } } });
  });

  it("refuses what the chat refuses, in the chat's words", async () => {
    const cases: Array<[Json, string]> = [
      [{ symbol: 'BTCUSDT', amountUsdt: 100, leverage: 50 }, validateMessage('leverage', 50)],
      [{ symbol: 'BTCUSDT', amountUsdt: 100, name: 'bad/name' }, validateMessage('name', 'bad/name')],
      [{ symbol: 'BTCUSDT', amountUsdt: 100, leverage: 10, slPct: 20 }, 'would be at or past the liquidation price'],
      [{ symbol: 'NOPEUSDT', amountUsdt: 100 }, 'Unknown symbol'],
      [{ symbol: 'BTCUSDT', amountUsdt: 100, llmProvider: 'openai' }, 'There is no openai key for you yet'],
      [{ symbol: 'BTCUSDT', amountUsdt: 100, liveMode: true }, 'Live trading needs your own HashKey API key'],
      [{ symbol: 'BTCUSDT', amountUsdt: 100, name: 'api-made' }, 'You already have an agent named "api-made"'],
    ];
    for (const [body, words] of cases) {
      const res = await post('/api/v1/agents', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe('validation_failed');
      expect(String(res.body.message)).toContain(words);
    }
  });

  it('refuses wrong types, out-of-range numbers and unknown fields by schema with 400', async () => {
    for (const body of [
      { symbol: 'BTCUSDT' },
      { symbol: 'BTCUSDT', amountUsdt: '100' },
      { symbol: 'BTCUSDT', amountUsdt: 5 },
      { symbol: 'BTCUSDT', amountUsdt: 100, leverage: 2.5 },
      { symbol: 'BTCUSDT', amountUsdt: 100, timeframe: '2h' },
      { symbol: 'BTCUSDT', amountUsdt: 100, owner: bob.id },
    ]) {
      expect(await post('/api/v1/agents', body), JSON.stringify(body)).toMatchObject({ status: 400, body: { error: 'validation_failed' } });
    }
  });

  it('offers the form what this user and server allow', async () => {
    const res = await get('/api/v1/create-options');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      maxLeverage: 20,
      llmProviders: [],
      liveAvailable: false,
      defaults: { leverage: 5, timeframe: '15m' },
    });
    expect((res.body.symbols as string[]).slice(0, 2)).toEqual(['BTCUSDT', 'ETHUSDT']);
  });
});

/** The hub's own words for a refused field (what the chat shows). */
function validateMessage(field: 'leverage' | 'name', value: unknown): string {
  try {
    validateField(field, value as never, { maxLeverage: 20 });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${String(value)} passed`);
}
