import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAgentDirectory } from '../../src/hub/agents/agent-directory.js';
import { createAgentCredentials } from '../../src/hub/auth/agent-credentials.js';
import { createTokenService } from '../../src/hub/auth/tokens.js';
import { HubEvents } from '../../src/hub/events.js';
import { createAgentLlmLookup } from '../../src/hub/llm/agent-llm.js';
import { createLlmBudget } from '../../src/hub/llm/budget.js';
import { createLlmGateway } from '../../src/hub/llm/gateway.js';
import { createUserService } from '../../src/hub/users.js';
import { internalLlmRoutes } from '../../src/http/routes/internal-llm.js';
import { createLogger } from '../../src/logger.js';
import { SUPERVISOR_SCHEMA } from '../../src/engine/llm/supervisor-prompt.js';
import type { Orm } from '../../src/db/orm.js';
import { createTestOrm } from '../support/db.js';
import { buildTestHttpServer } from '../support/internal-server.js';
import { startOpenAiServer, type OpenAiServer } from '../support/openai-server.js';
import { layeredSecrets, localBaseUrls, type LayeredSecrets } from '../hub/llm/support.js';

const KEY = 'sk-route-abcdefghijklmnop';
const tokens = createTokenService({ internalSecret: 'i'.repeat(40), jwtSecret: 'j'.repeat(40) });
let orm: Orm;
let close: () => Promise<void>;
let app: FastifyInstance;
let server: OpenAiServer;
let secrets: LayeredSecrets;
let owner: string;
let agentA: string;
let agentB: string;

const body = (extra: Record<string, unknown> = {}) => ({
  purpose: 'supervisor',
  messages: [
    { role: 'system', content: 'Answer with JSON.' },
    { role: 'user', content: 'Long BTC at 61000, price 62000. Keep?' },
  ],
  jsonSchema: SUPERVISOR_SCHEMA,
  maxTokens: 300,
  ...extra,
});

async function post(agentId: string, token: string | undefined, payload: unknown) {
  return app.inject({
    method: 'POST',
    url: `/internal/agents/${agentId}/llm`,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

async function setLlm(agentId: string, provider: string | null, model: string | null = null) {
  await orm.em.getConnection().execute('update agents set llm_provider = ?, llm_model = ? where id = ?', [provider, model, agentId]);
}

beforeAll(async () => {
  ({ orm, close } = await createTestOrm('internal_llm'));
  const users = createUserService({ orm, accessMode: 'open', adminIds: [] });
  const directory = createAgentDirectory({ orm, limits: { maxLeverage: 20 } });
  owner = (await users.register(201, 'Owner')).user.id;
  agentA = (await directory.create(owner, { name: 'a', symbol: 'BTCUSDT', amountUsdt: 100 })).id;
  agentB = (await directory.create(owner, { name: 'b', symbol: 'ETHUSDT', amountUsdt: 100 })).id;
  server = await startOpenAiServer({ keys: [KEY] });
  secrets = layeredSecrets();
  const gateway = createLlmGateway({
    orm,
    secrets: { lookup: (...args) => secrets.lookup(...args) },
    // Nobody here is exempt and the budget is 0: the server's keys are for admins only.
    budget: createLlmBudget({ orm, events: new HubEvents(), dailyTokens: 0, isExempt: async () => false }),
    baseUrls: localBaseUrls(server.url),
    logger: createLogger({ level: 'silent' }),
    retryDelayMs: 5,
  });
  app = await buildTestHttpServer([
    {
      plugin: internalLlmRoutes,
      options: { agentAuth: createAgentCredentials({ orm, tokens }), gateway, agentLlm: createAgentLlmLookup({ orm }) },
    },
  ]);
});

afterAll(async () => {
  await app?.close();
  await server?.close();
  await close?.();
});

beforeEach(async () => {
  server.reset();
  secrets = layeredSecrets();
  secrets.user.set(`${owner}|OPENAI_API_KEY`, KEY);
  await setLlm(agentA, 'openai');
});

describe('POST /internal/agents/:id/llm', () => {
  it("answers with the owner's provider, model and key, and records the tokens", async () => {
    await setLlm(agentA, 'openai', 'gpt-4o-mini');
    server.reply({
      kind: 'answer',
      content: '{"action":"KEEP","tpPrice":null,"slPrice":null,"confidence":0.8,"reasoning":"ok"}',
      usage: { prompt: 90, completion: 25 },
    });
    const res = await post(agentA, await tokens.mintAgentToken(agentA), body());
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      provider: 'openai',
      model: 'gpt-4o-mini',
      content: '{"action":"KEEP","tpPrice":null,"slPrice":null,"confidence":0.8,"reasoning":"ok"}',
      usage: { promptTokens: 90, completionTokens: 25 },
    });
    expect(server.requests[0]).toMatchObject({
      key: KEY,
      body: { model: 'gpt-4o-mini', max_completion_tokens: 300, response_format: { type: 'json_schema' } },
    });
    const [row] = await orm.em
      .getConnection()
      .execute('select llm_prompt_tokens, llm_completion_tokens from agents where id = ?', [agentA]);
    expect([Number(row.llm_prompt_tokens), Number(row.llm_completion_tokens)]).toEqual([90, 25]);
  });

  it("refuses a missing token (401) and another agent's token (403)", async () => {
    expect((await post(agentA, undefined, body())).statusCode).toBe(401);
    expect((await post(agentA, 'garbage', body())).statusCode).toBe(401);
    expect((await post(agentA, await tokens.mintAgentToken(agentB), body())).statusCode).toBe(403);
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    ['malformed JSON', '{"purpose":'],
    ['an unknown field', body({ temperature: 2 })],
    ['an unknown purpose', body({ purpose: 'chat' })],
    ['no messages', body({ messages: [] })],
    ['21 messages', body({ messages: Array.from({ length: 21 }, () => ({ role: 'user', content: 'hi' })) })],
    ['a message over 20 000 characters', body({ messages: [{ role: 'user', content: 'x'.repeat(20_001) }] })],
    ['a tool role', body({ messages: [{ role: 'tool', content: 'hi' }] })],
    ['an extra message field', body({ messages: [{ role: 'user', content: 'hi', name: 'x' }] })],
    ['a zero maxTokens', body({ maxTokens: 0 })],
    ['a non-object jsonSchema', body({ jsonSchema: 'json' })],
  ])('rejects %s with 400', async (_what, payload) => {
    const res = await post(agentA, await tokens.mintAgentToken(agentA), payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    expect(server.requests).toHaveLength(0);
  });

  it('accepts 20 messages of 20 000 characters', async () => {
    const messages = Array.from({ length: 20 }, () => ({ role: 'user', content: 'y'.repeat(20_000) }));
    const res = await post(agentA, await tokens.mintAgentToken(agentA), body({ messages }));
    expect(res.statusCode).toBe(200);
  });

  it('answers 401 for a validly signed token of an agent that does not exist', async () => {
    const ghost = crypto.randomUUID();
    const res = await post(ghost, await tokens.mintAgentToken(ghost), body());
    expect(res.statusCode).toBe(401);
    expect(server.requests).toHaveLength(0);
  });

  it('answers 409 LlmNotConfigured without a provider or without a key, naming the secret', async () => {
    await setLlm(agentA, null);
    const none = await post(agentA, await tokens.mintAgentToken(agentA), body());
    expect(none.statusCode).toBe(409);
    expect(none.json()).toMatchObject({ error: 'LlmNotConfigured', message: expect.stringMatching(/no LLM provider/) });

    await setLlm(agentA, 'deepseek');
    const noKey = await post(agentA, await tokens.mintAgentToken(agentA), body());
    expect(noKey.statusCode).toBe(409);
    expect(noKey.json()).toEqual({
      error: 'LlmNotConfigured',
      message: 'No DeepSeek API key. Set the secret DEEPSEEK_API_KEY (for you, or for this agent).',
    });
    expect(server.requests).toHaveLength(0);
  });

  it("answers 429 LlmBudgetExhausted with a Retry-After when the owner's budget on the server key is spent", async () => {
    secrets.user.delete(`${owner}|OPENAI_API_KEY`);
    secrets.env.set('OPENAI_API_KEY', KEY);
    const res = await post(agentA, await tokens.mintAgentToken(agentA), body());
    expect(res.statusCode).toBe(429);
    expect(res.json()).toMatchObject({
      error: 'LlmBudgetExhausted',
      message: expect.stringContaining('Set your own OPENAI_API_KEY'),
      retryAfterSeconds: expect.any(Number),
    });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(server.requests).toHaveLength(0);
  });

  it('answers 502 LlmAuthFailed when the provider refuses the key, without the key', async () => {
    const wrong = 'sk-wrong-zzzzzzzzzzzzzzzz';
    secrets.agent.set(`${agentA}|OPENAI_API_KEY`, wrong);
    const res = await post(agentA, await tokens.mintAgentToken(agentA), body());
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ error: 'LlmAuthFailed', message: expect.stringContaining('OPENAI_API_KEY') });
    expect(res.body).not.toContain(wrong);
    expect(server.requests[0].key).toBe(wrong);
  });

  it('answers 502 LlmRateLimited with retryAfterSeconds and a Retry-After header', async () => {
    server.reply({ kind: 'error', status: 429, headers: { 'retry-after': '20' } });
    const res = await post(agentA, await tokens.mintAgentToken(agentA), body());
    expect(res.statusCode).toBe(502);
    expect(res.headers['retry-after']).toBe('20');
    expect(res.json()).toMatchObject({ error: 'LlmRateLimited', retryAfterSeconds: 20 });
  });

  it('answers 502 LlmUnavailable after the provider fails twice with 5xx', async () => {
    server.reply({ kind: 'error', status: 500 }, { kind: 'error', status: 500 });
    const res = await post(agentA, await tokens.mintAgentToken(agentA), body());
    expect(res.statusCode).toBe(502);
    expect(res.json()).toEqual({ error: 'LlmUnavailable', message: 'OpenAI is unavailable (HTTP 500)' });
    expect(server.requests).toHaveLength(2);
  });

  it('answers 502 LlmRejected for an unknown model', async () => {
    await setLlm(agentA, 'openai', 'gpt-nope');
    server.reply({ kind: 'error', status: 404, message: 'The model `gpt-nope` does not exist' });
    const res = await post(agentA, await tokens.mintAgentToken(agentA), body());
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ error: 'LlmRejected', message: expect.stringContaining('gpt-nope') });
  });
});
