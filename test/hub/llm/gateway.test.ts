import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAgentDirectory } from '../../../src/hub/agents/agent-directory.js';
import { HubEvents, type HubEventMap } from '../../../src/hub/events.js';
import { createLlmGateway, type LlmGateway, type LlmGatewayDeps } from '../../../src/hub/llm/gateway.js';
import { createLlmBudget } from '../../../src/hub/llm/budget.js';
import {
  LlmAuthError,
  LlmBudgetExhaustedError,
  LlmNotConfiguredError,
  LlmRateLimitedError,
  LlmRejectedError,
  LlmUnavailableError,
} from '../../../src/hub/llm/errors.js';
import { LLM_PROVIDERS, PROVIDER_SPECS, type LlmProvider } from '../../../src/hub/llm/providers.js';
import { createVault } from '../../../src/hub/secrets/vault.js';
import { createUserService } from '../../../src/hub/users.js';
import { SecretRegistry, createLogger } from '../../../src/logger.js';
import { PLANNER_SCHEMA, parsePlannerAnswer } from '../../../src/engine/llm/planner-prompt.js';
import { parseSupervisorAnswer } from '../../../src/engine/llm/supervisor-prompt.js';
import type { LlmRequest } from '../../../src/shared/wire.js';
import type { Orm } from '../../../src/db/orm.js';
import { createTestOrm } from '../../support/db.js';
import { startOpenAiServer, type OpenAiServer } from '../../support/openai-server.js';
import { capturingLogger, completionsPath, layeredSecrets, localBaseUrls, type LayeredSecrets } from './support.js';

const ENV_KEY = 'sk-env-0000000000000000';
const USER_KEY = 'sk-user-1111111111111111';
const AGENT_KEY = 'sk-agent-2222222222222222';

let orm: Orm;
let close: () => Promise<void>;
let server: OpenAiServer;
let secrets: LayeredSecrets;
let owner: string;
let otherOwner: string;
let agentA: string;
let agentB: string;
let otherAgent: string;

const plannerRequest = (extra: Partial<LlmRequest> = {}): LlmRequest => ({
  purpose: 'planner',
  messages: [
    { role: 'system', content: 'Return valid JSON only.' },
    { role: 'user', content: 'Pick a strategy.' },
  ],
  jsonSchema: PLANNER_SCHEMA,
  ...extra,
});

function gateway(overrides: Partial<LlmGatewayDeps> = {}): LlmGateway {
  return createLlmGateway({
    orm,
    secrets,
    baseUrls: localBaseUrls(server.url),
    logger: createLogger({ level: 'silent' }),
    retryDelayMs: 5,
    timeoutMs: 5_000,
    ...overrides,
  });
}

async function tokens(agentId: string): Promise<{ prompt: number; completion: number }> {
  const [row] = await orm.em.getConnection().execute('select llm_prompt_tokens, llm_completion_tokens from agents where id = ?', [agentId]);
  return { prompt: Number(row.llm_prompt_tokens), completion: Number(row.llm_completion_tokens) };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

function expectNoKey(err: Error, key: string) {
  expect(err.message).not.toContain(key);
  expect(String(err)).not.toContain(key);
  expect(JSON.stringify(err)).not.toContain(key);
  expect(err.stack ?? '').not.toContain(key);
}

beforeAll(async () => {
  ({ orm, close } = await createTestOrm('llm_gateway'));
  const users = createUserService({ orm, accessMode: 'open', adminIds: [] });
  const directory = createAgentDirectory({ orm, limits: { maxLeverage: 20 } });
  owner = (await users.register(101, 'Owner')).user.id;
  otherOwner = (await users.register(102, 'Other')).user.id;
  agentA = (await directory.create(owner, { name: 'alpha', symbol: 'BTCUSDT', amountUsdt: 100 })).id;
  agentB = (await directory.create(owner, { name: 'beta', symbol: 'ETHUSDT', amountUsdt: 100 })).id;
  otherAgent = (await directory.create(otherOwner, { name: 'gamma', symbol: 'SOLUSDT', amountUsdt: 100 })).id;
  server = await startOpenAiServer();
});

afterAll(async () => {
  await server?.close();
  await close?.();
});

beforeEach(() => {
  server.reset();
  server.setKeys([ENV_KEY, USER_KEY, AGENT_KEY]);
  secrets = layeredSecrets();
  for (const p of LLM_PROVIDERS) secrets.user.set(`${owner}|${PROVIDER_SPECS[p].secretName}`, `${USER_KEY}`);
});

describe('LLM gateway: providers', () => {
  const expected: Record<LlmProvider, { format: string | undefined; tokenField: string; schemaInPrompt: boolean }> = {
    openai: { format: 'json_schema', tokenField: 'max_completion_tokens', schemaInPrompt: false },
    gemini: { format: 'json_schema', tokenField: 'max_tokens', schemaInPrompt: false },
    deepseek: { format: 'json_object', tokenField: 'max_tokens', schemaInPrompt: true },
    anthropic: { format: undefined, tokenField: 'max_tokens', schemaInPrompt: true },
  };

  it.each(LLM_PROVIDERS)('%s: calls its own base URL with its default model, JSON mode and token field', async (provider) => {
    server.reply({
      kind: 'answer',
      content: '{"strategy":"momentum","lookback":10,"threshold":0.3,"reasoning":"ok"}',
      usage: { prompt: 120, completion: 30 },
    });
    const answer = await gateway().complete(agentA, owner, provider, null, plannerRequest({ maxTokens: 300 }));

    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req.path).toBe(completionsPath(provider));
    expect(req.key).toBe(USER_KEY);
    expect(req.body.model).toBe(PROVIDER_SPECS[provider].defaultModel);
    expect(req.body.response_format?.type).toBe(expected[provider].format);
    if (expected[provider].format === 'json_schema') {
      expect(req.body.response_format.json_schema).toEqual({ name: 'planner_answer', schema: PLANNER_SCHEMA, strict: true });
    }
    const budget = provider === 'gemini' ? 300 * 8 : 300; // gemini-2.5 thinks inside the budget
    expect(req.body[expected[provider].tokenField]).toBe(budget);
    const system = req.body.messages[0];
    expect(system.role).toBe('system');
    expect(system.content.includes('"lookback"')).toBe(expected[provider].schemaInPrompt);
    expect(req.body.messages.at(-1)).toEqual({ role: 'user', content: 'Pick a strategy.' });
    expect(req.body.temperature).toBe(0.3);

    expect(answer).toEqual({
      provider,
      model: PROVIDER_SPECS[provider].defaultModel,
      content: '{"strategy":"momentum","lookback":10,"threshold":0.3,"reasoning":"ok"}',
      usage: { promptTokens: 120, completionTokens: 30 },
    });
    expect(parsePlannerAnswer(answer.content).ok).toBe(true);
  });

  it('uses the agent model when set, then the deployment default, then the built-in one', async () => {
    const gw = gateway({ defaultModels: { deepseek: 'deepseek-reasoner' } });
    await gw.complete(agentA, owner, 'openai', 'gpt-4o-mini', plannerRequest());
    await gw.complete(agentA, owner, 'deepseek', null, plannerRequest());
    await gw.complete(agentA, owner, 'DeepSeek', '  ', plannerRequest());
    expect(server.requests.map((r) => r.body.model)).toEqual(['gpt-4o-mini', 'deepseek-reasoner', 'deepseek-reasoner']);
    expect(gw.defaultModel('anthropic')).toBe('claude-sonnet-4-5');
  });

  it('sends no temperature to OpenAI reasoning models and the supervisor temperature otherwise', async () => {
    const gw = gateway();
    await gw.complete(agentA, owner, 'openai', 'o4-mini', plannerRequest());
    await gw.complete(agentA, owner, 'openai', null, { purpose: 'supervisor', messages: [{ role: 'user', content: 'keep?' }] });
    expect(server.requests[0].body).not.toHaveProperty('temperature');
    expect(server.requests[1].body.temperature).toBe(0.2);
    expect(server.requests[1].body).not.toHaveProperty('response_format');
    expect(server.requests[1].body.max_completion_tokens).toBe(400);
  });

  it('puts the schema instruction first when a prompt-only provider gets no system message', async () => {
    await gateway().complete(agentA, owner, 'anthropic', null, plannerRequest({ messages: [{ role: 'user', content: 'Pick.' }] }));
    const messages = server.requests[0].body.messages;
    expect(messages).toHaveLength(2);
    expect(messages[0].role).toBe('system');
    expect(messages[0].content).toContain('JSON schema');
  });
});

describe('LLM gateway: keys', () => {
  it('resolves the key per call: agent override beats user beats env', async () => {
    secrets = layeredSecrets();
    secrets.env.set('OPENAI_API_KEY', ENV_KEY);
    const gw = gateway();
    await gw.complete(agentA, owner, 'openai', null, plannerRequest());
    secrets.user.set(`${owner}|OPENAI_API_KEY`, USER_KEY);
    await gw.complete(agentA, owner, 'openai', null, plannerRequest());
    secrets.agent.set(`${agentA}|OPENAI_API_KEY`, AGENT_KEY);
    await gw.complete(agentA, owner, 'openai', null, plannerRequest());
    await gw.complete(agentB, owner, 'openai', null, plannerRequest());
    await gw.complete(otherAgent, otherOwner, 'openai', null, plannerRequest());
    expect(server.requests.map((r) => r.key)).toEqual([ENV_KEY, USER_KEY, AGENT_KEY, USER_KEY, ENV_KEY]);
    expect(secrets.calls.at(-1)).toEqual({ ownerId: otherOwner, name: 'OPENAI_API_KEY', agentId: otherAgent });
  });

  it('works with the real vault: agent override → user secret → server value', async () => {
    const registry = new SecretRegistry();
    const vault = createVault({ orm, encryptionKey: 'ab'.repeat(32), registry, serverSecrets: { OPENAI_API_KEY: ENV_KEY } });
    const { logger, output } = capturingLogger();
    const gw = gateway({ secrets: vault, logger });
    await gw.complete(agentA, owner, 'openai', null, plannerRequest());
    await vault.set(owner, 'OPENAI_API_KEY', USER_KEY);
    await gw.complete(agentA, owner, 'openai', null, plannerRequest());
    await vault.set(owner, 'OPENAI_API_KEY', AGENT_KEY, agentA);
    await gw.complete(agentA, owner, 'openai', null, plannerRequest());
    await gw.complete(agentB, owner, 'openai', null, plannerRequest());
    expect(server.requests.map((r) => r.key)).toEqual([ENV_KEY, USER_KEY, AGENT_KEY, USER_KEY]);
    const noKey = await failure(gw.complete(agentA, owner, 'deepseek', null, plannerRequest()));
    expect(noKey).toBeInstanceOf(LlmNotConfiguredError);
    expect(output()).not.toContain(USER_KEY);
  });

  it('asks for the secret that belongs to the provider', async () => {
    secrets = layeredSecrets();
    secrets.env.set('GEMINI_API_KEY', ENV_KEY);
    await gateway().complete(agentA, owner, 'gemini', null, plannerRequest());
    expect(secrets.calls.map((c) => c.name)).toEqual(['GEMINI_API_KEY']);
    expect(server.requests[0].key).toBe(ENV_KEY);
  });

  it('without a key throws LlmNotConfiguredError naming the secret, and calls nobody', async () => {
    secrets = layeredSecrets();
    const err = await failure(gateway().complete(agentA, owner, 'anthropic', null, plannerRequest()));
    expect(err).toBeInstanceOf(LlmNotConfiguredError);
    expect(err.name).toBe('LlmNotConfiguredError');
    expect((err as LlmNotConfiguredError).secretName).toBe('ANTHROPIC_API_KEY');
    expect(err.message).toContain('ANTHROPIC_API_KEY');
    expect(server.requests).toHaveLength(0);
  });

  it('without a provider, or with an unknown one, throws LlmNotConfiguredError', async () => {
    const gw = gateway();
    const none = await failure(gw.complete(agentA, owner, null, null, plannerRequest()));
    expect(none).toBeInstanceOf(LlmNotConfiguredError);
    expect(none.message).toMatch(/no LLM provider/);
    const unknown = await failure(gw.complete(agentA, owner, 'mistral', null, plannerRequest()));
    expect(unknown).toBeInstanceOf(LlmNotConfiguredError);
    expect(unknown.message).toContain('openai, anthropic, deepseek, gemini');
    const badModel = await failure(gw.complete(agentA, owner, 'openai', 'gpt 4; drop table', plannerRequest()));
    expect(badModel).toBeInstanceOf(LlmNotConfiguredError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('LLM gateway: upstream failures', () => {
  it('maps a 401 to LlmAuthError without retrying and without the key (the upstream echoes it)', async () => {
    const wrong = 'sk-wrong-9999999999999999';
    secrets.user.set(`${owner}|OPENAI_API_KEY`, wrong);
    const { logger, output } = capturingLogger();
    const err = await failure(gateway({ logger }).complete(agentA, owner, 'openai', null, plannerRequest()));
    expect(err).toBeInstanceOf(LlmAuthError);
    expect((err as LlmAuthError).status).toBe(401);
    expect(err.message).toContain('OPENAI_API_KEY');
    expect(server.requests).toHaveLength(1);
    expectNoKey(err, wrong);
    expect(output()).toContain('LlmAuthError');
    expect(output()).not.toContain(wrong);
  });

  it('maps a 429 with a long retry-after to LlmRateLimitedError at once', async () => {
    server.reply({ kind: 'error', status: 429, headers: { 'retry-after': '30' } });
    const started = Date.now();
    const err = await failure(gateway().complete(agentA, owner, 'deepseek', null, plannerRequest()));
    expect(err).toBeInstanceOf(LlmRateLimitedError);
    expect((err as LlmRateLimitedError).retryAfterSeconds).toBe(30);
    expect(err.message).toContain('retry after 30 s');
    expect(server.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('waits out a short retry-after once and then answers', async () => {
    server.reply({ kind: 'error', status: 429, headers: { 'retry-after-ms': '50' } }, { kind: 'answer', content: '{"ok":1}' });
    const answer = await gateway().complete(agentA, owner, 'gemini', null, plannerRequest());
    expect(answer.content).toBe('{"ok":1}');
    expect(server.requests).toHaveLength(2);
  });

  it('gives up on a 429 without retry-after and reports no wait', async () => {
    server.reply({ kind: 'error', status: 429 });
    const err = await failure(gateway().complete(agentA, owner, 'openai', null, plannerRequest()));
    expect(err).toBeInstanceOf(LlmRateLimitedError);
    expect((err as LlmRateLimitedError).retryAfterSeconds).toBeUndefined();
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 500 once, then maps it to LlmUnavailableError', async () => {
    server.reply({ kind: 'error', status: 500 }, { kind: 'error', status: 503 });
    const err = await failure(gateway().complete(agentA, owner, 'anthropic', null, plannerRequest()));
    expect(err).toBeInstanceOf(LlmUnavailableError);
    expect((err as LlmUnavailableError).status).toBe(503);
    expect(server.requests).toHaveLength(2);

    server.reset();
    server.reply({ kind: 'error', status: 502 }, { kind: 'answer', content: 'second time lucky' });
    expect((await gateway().complete(agentA, owner, 'anthropic', null, plannerRequest())).content).toBe('second time lucky');
  });

  it('times out a slow answer as LlmUnavailableError', async () => {
    server.reply({ kind: 'answer', content: 'late', delayMs: 1_500 }, { kind: 'answer', content: 'late', delayMs: 1_500 });
    const err = await failure(gateway({ timeoutMs: 200 }).complete(agentA, owner, 'openai', null, plannerRequest()));
    expect(err).toBeInstanceOf(LlmUnavailableError);
    expect(err.message).toMatch(/did not answer within/);
    expect(server.requests).toHaveLength(2);
  });

  it('does not start a retry the overall deadline leaves no time for', async () => {
    server.reply({ kind: 'answer', content: 'late', delayMs: 2_000 }, { kind: 'answer', content: 'late', delayMs: 2_000 });
    const started = Date.now();
    const err = await failure(
      gateway({ timeoutMs: 1_000, totalTimeoutMs: 1_500 }).complete(agentA, owner, 'openai', null, plannerRequest()),
    );
    expect(err).toBeInstanceOf(LlmUnavailableError);
    expect(server.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1_800);
  });

  it('reports an unreachable provider as LlmUnavailableError', async () => {
    const gw = gateway({ baseUrls: { openai: 'http://127.0.0.1:1/v1' }, maxAttempts: 1 });
    const err = await failure(gw.complete(agentA, owner, 'openai', null, plannerRequest()));
    expect(err).toBeInstanceOf(LlmUnavailableError);
    expect(err.message).toMatch(/could not be reached/);
  });

  it('maps a 404 (unknown model) to LlmRejectedError with the scrubbed upstream reason', async () => {
    server.reply({
      kind: 'error',
      status: 404,
      message: `The model \`gpt-9\` does not exist or you do not have access to it (key ${USER_KEY}).`,
    });
    const err = await failure(gateway().complete(agentA, owner, 'openai', 'gpt-9', plannerRequest()));
    expect(err).toBeInstanceOf(LlmRejectedError);
    expect(err.message).toContain('does not exist');
    expectNoKey(err, USER_KEY);
    expect(server.requests).toHaveLength(1);
  });

  it('treats a non-JSON body or an answer without choices as unavailable', async () => {
    server.reply({ kind: 'raw', status: 200, body: '<html>gateway hiccup</html>' }, { kind: 'raw', status: 200, body: '{"truncated":' });
    const garbled = await failure(gateway().complete(agentA, owner, 'deepseek', null, plannerRequest()));
    expect(garbled).toBeInstanceOf(LlmUnavailableError);
    expect(garbled.message).toMatch(/unreadable body/);
    expect(server.requests).toHaveLength(2);
    server.reset();
    server.reply({ kind: 'no-choices' }, { kind: 'no-choices' });
    const empty = await failure(gateway().complete(agentA, owner, 'deepseek', null, plannerRequest()));
    expect(empty).toBeInstanceOf(LlmUnavailableError);
    expect(empty.message).toMatch(/without a message/);
  });

  it('never logs the key on any path', async () => {
    const { logger, output } = capturingLogger();
    const gw = gateway({ logger, timeoutMs: 200 });
    server.reply(
      { kind: 'answer', content: '{}' },
      { kind: 'error', status: 429, headers: { 'retry-after': '99' } },
      { kind: 'error', status: 500 },
      { kind: 'error', status: 500 },
      { kind: 'error', status: 400, message: `bad param, key was ${USER_KEY}` },
      { kind: 'answer', content: 'slow', delayMs: 800 },
      { kind: 'answer', content: 'slow', delayMs: 800 },
    );
    await gw.complete(agentA, owner, 'openai', null, plannerRequest());
    for (let i = 0; i < 4; i++) await failure(gw.complete(agentA, owner, 'openai', null, plannerRequest()));
    expect(output()).toContain('llm: call failed');
    expect(output()).not.toContain(USER_KEY);
  });
});

describe('LLM gateway: answers and usage', () => {
  it('returns malformed JSON content as is; the parsers turn it into ok:false', async () => {
    server.reply(
      { kind: 'answer', content: '{"strategy": "momentum", "lookback": ' },
      { kind: 'answer', content: 'I would KEEP this position.' },
    );
    const gw = gateway();
    const plan = await gw.complete(agentA, owner, 'openai', null, plannerRequest());
    expect(parsePlannerAnswer(plan.content)).toMatchObject({ ok: false });
    const verdict = await gw.complete(agentA, owner, 'openai', null, {
      purpose: 'supervisor',
      messages: [{ role: 'user', content: 'keep?' }],
    });
    expect(parseSupervisorAnswer(verdict.content, { price: 100, side: 'long', tpSlMode: 'dynamic' })).toMatchObject({ ok: false });
  });

  it('asks once more after a blank answer to a JSON request and counts both calls', async () => {
    server.reply(
      { kind: 'answer', content: '   ', usage: { prompt: 40, completion: 1 } },
      { kind: 'answer', content: '{"a":1}', usage: { prompt: 40, completion: 6 } },
    );
    const answer = await gateway().complete(agentB, owner, 'deepseek', null, plannerRequest());
    expect(answer.content).toBe('{"a":1}');
    expect(answer.usage).toEqual({ promptTokens: 80, completionTokens: 7 });
    expect(server.requests).toHaveLength(2);
  });

  it('accumulates token usage on the agent row, atomically under concurrency', async () => {
    const before = await tokens(agentA);
    const gw = gateway();
    server.reply(
      { kind: 'answer', content: '{}', usage: { prompt: 100, completion: 20 } },
      { kind: 'answer', content: '{}', usage: { prompt: 50, completion: 7 } },
    );
    await gw.complete(agentA, owner, 'openai', null, plannerRequest());
    await gw.complete(agentA, owner, 'gemini', null, plannerRequest());
    expect(await tokens(agentA)).toEqual({ prompt: before.prompt + 150, completion: before.completion + 27 });

    server.reset();
    for (let i = 0; i < 20; i++) server.reply({ kind: 'answer', content: '{}', usage: { prompt: 3, completion: 2 } });
    await Promise.all(Array.from({ length: 20 }, () => gw.complete(agentA, owner, 'openai', null, plannerRequest())));
    expect(await tokens(agentA)).toEqual({ prompt: before.prompt + 150 + 60, completion: before.completion + 27 + 40 });
  });

  it("records nothing when the provider reports no usage, and never on another owner's agent", async () => {
    secrets.env.set('OPENAI_API_KEY', ENV_KEY);
    const before = await tokens(otherAgent);
    server.reply({ kind: 'answer', content: '{}', usage: null });
    const answer = await gateway().complete(otherAgent, otherOwner, 'openai', null, plannerRequest());
    expect(answer.usage).toEqual({ promptTokens: 0, completionTokens: 0 });
    server.reply({ kind: 'answer', content: '{}', usage: { prompt: 500, completion: 500 } });
    await gateway().complete(otherAgent, owner, 'openai', null, plannerRequest()); // wrong owner for this agent
    expect(await tokens(otherAgent)).toEqual(before);
  });
});

describe('LLM gateway: the daily budget on the server-wide keys', () => {
  const DAY = Date.UTC(2026, 11, 3, 9, 0, 0);
  let clock = DAY;
  let events: HubEvents;
  let notices: Array<HubEventMap['llm.budget_spent']>;
  const used = async (userId: string, day = '2026-12-03') => {
    const rows: Array<{ tokens: string }> = await orm.em
      .getConnection()
      .execute('select tokens from llm_daily_usage where user_id = ? and day = ?', [userId, day]);
    return Number(rows[0]?.tokens ?? 0);
  };
  const metered = () =>
    gateway({ budget: createLlmBudget({ orm, events, dailyTokens: 250, isExempt: async (userId) => userId === owner, now: () => clock }) });

  beforeEach(() => {
    clock = DAY;
    events = new HubEvents();
    notices = [];
    events.on('llm.budget_spent', (e) => notices.push(e));
    secrets = layeredSecrets();
    secrets.env.set('OPENAI_API_KEY', ENV_KEY);
  });

  it('meters a non-admin on the server key, refuses once the day is spent (told once), and opens again the next UTC day', async () => {
    const gw = metered();
    for (let i = 0; i < 2; i++) server.reply({ kind: 'answer', content: '{}', usage: { prompt: 120, completion: 30 } });
    await gw.complete(otherAgent, otherOwner, 'openai', null, plannerRequest());
    expect(await used(otherOwner)).toBe(150);
    await gw.complete(otherAgent, otherOwner, 'openai', null, plannerRequest()); // 150 < 250: admitted, ends over
    expect(await used(otherOwner)).toBe(300);

    const spent = await failure(gw.complete(otherAgent, otherOwner, 'openai', null, plannerRequest()));
    expect(spent).toBeInstanceOf(LlmBudgetExhaustedError);
    expect(spent.message).toBe(
      "Today's budget of 250 tokens on the server's LLM keys is spent (300 used); the agent uses its rules until 00:00 UTC. Set your own OPENAI_API_KEY to go on.",
    );
    expect((spent as LlmBudgetExhaustedError).retryAfterSeconds).toBe(15 * 3600);
    await failure(gw.complete(otherAgent, otherOwner, 'openai', null, plannerRequest()));
    expect(server.requests).toHaveLength(2);
    expect(notices).toEqual([
      {
        ownerId: otherOwner,
        agentId: otherAgent,
        agentName: 'gamma',
        usedTokens: 300,
        limitTokens: 250,
        resetsAt: '2026-12-04T00:00:00.000Z',
      },
    ]);

    // Their own key is theirs: not metered, not refused.
    secrets.user.set(`${otherOwner}|OPENAI_API_KEY`, USER_KEY);
    await gw.complete(otherAgent, otherOwner, 'openai', null, plannerRequest());
    expect(server.requests.at(-1)!.key).toBe(USER_KEY);
    expect(await used(otherOwner)).toBe(300);
    secrets.user.delete(`${otherOwner}|OPENAI_API_KEY`);

    clock = DAY + 15 * 3600_000;
    await gw.complete(otherAgent, otherOwner, 'openai', null, plannerRequest());
    expect(await used(otherOwner, '2026-12-04')).toBe(15); // the default answer's usage
    expect(notices).toHaveLength(1);
  });

  it('does not meter admins', async () => {
    const gw = metered();
    for (let i = 0; i < 3; i++) server.reply({ kind: 'answer', content: '{}', usage: { prompt: 200, completion: 100 } });
    for (let i = 0; i < 3; i++) await gw.complete(agentA, owner, 'openai', null, plannerRequest());
    expect(server.requests.map((r) => r.key)).toEqual([ENV_KEY, ENV_KEY, ENV_KEY]);
    expect(await used(owner)).toBe(0);
    expect(notices).toEqual([]);
  });
});
