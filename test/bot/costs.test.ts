/**
 * LLM cost in chat, through the Bot API stand-in and real PostgreSQL: /costs per agent and in
 * total (today and all time, scoped to the caller), the agent card's LLM line, the daily budget
 * as a /create step and an /edit field with clear errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgentDayUsage } from '../../src/hub/llm/agent-usage-store.js';
import { utcDay } from '../../src/hub/llm/budget.js';
import { recordTokenUsage } from '../../src/hub/llm/usage.js';
import { createBotHarness, type BotHarness } from '../support/bot-harness.js';

let h: BotHarness;
beforeAll(async () => {
  // A server-wide key makes openai selectable in /create.
  h = await createBotHarness({ env: { ACCESS_MODE: 'open', OPENAI_API_KEY: 'sk-server-0000000000000000' } });
});
afterAll(async () => h?.close());

/** The /create answers before the LLM question. */
const UP_TO_LLM = [
  'f:sym:BTCUSDT',
  'f:name:default',
  'f:amt:100',
  'f:lev:2',
  'f:risk:moderate',
  'f:tf:15m',
  'f:tp:skip',
  'f:sl:skip',
  'f:mode:fixed',
];

const userId = async (telegramId: number) => (await h.hub.users.byTelegramId(telegramId))!.id;
const today = () => utcDay(Date.now());

async function spend(ownerId: string, agentId: string, day: string, prompt: number, completion: number, costUsd: number | null) {
  if (day === today())
    await recordTokenUsage(h.orm, agentId, ownerId, { promptTokens: prompt, completionTokens: completion }, { costUsd, day });
  else await addAgentDayUsage(h.orm, ownerId, agentId, day, { promptTokens: prompt, completionTokens: completion, costUsd });
}

describe('/costs and the agent card', () => {
  it('shows tokens and USD per agent and in total, today and all time, only for the caller', async () => {
    const ann = h.user(701);
    await ann.send('/start');
    const owner = await userId(701);
    const a = await h.hub.agents.create(owner, { name: 'alpha', symbol: 'BTCUSDT', amountUsdt: 100, llmProvider: 'openai' });
    const b = await h.hub.agents.create(owner, { name: 'beta', symbol: 'ETHUSDT', amountUsdt: 100, llmProvider: 'openai' });
    await h.hub.settings.edit(owner, a.id, { llmDailyBudgetUsd: 1 });
    await spend(owner, a.id, '2026-01-01', 1_000_000, 100_000, 1.2);
    await spend(owner, a.id, today(), 10_000, 2_300, 0.04);
    await spend(owner, b.id, today(), 500, 0, null); // a model without a price

    await ann.send('/costs');
    const text = ann.lastText();
    expect(text).toContain('LLM costs');
    expect(text).toContain(`today = ${today()} UTC`);
    expect(text).toContain('<b>alpha</b> · budget $1.00/day\n  today 12.3k tokens · $0.04\n  all time 1.1M tokens · $1.24');
    expect(text).toContain('<b>beta</b> · no budget\n  today 500 tokens · —\n  all time 500 tokens · —');
    expect(text).toContain('<b>Total</b>: today 12.8k tokens · ≥$0.04 · all time 1.1M tokens · ≥$1.24');

    await ann.send('/costs beta');
    expect(ann.lastText()).not.toContain('alpha');
    expect(ann.lastText()).toContain('<b>beta</b>');

    await ann.send(`/agent ${a.shortId}`);
    expect(ann.lastText()).toContain('LLM use: 12.3k tokens · $0.04 today · $1.24 total · budget $1.00/day');

    // Another user's agent answers like a missing one; they see only their own.
    const bob = h.user(702);
    await bob.send('/start');
    await bob.send('/costs alpha');
    expect(bob.lastText()).toMatch(/No agent|not found/i);
    await bob.send('/costs');
    expect(bob.lastText()).toBe('You have no agents yet. /create makes one.');
  });

  it('is listed in /help', async () => {
    const cy = h.user(703);
    await cy.send('/start');
    await cy.send('/help');
    expect(cy.lastText()).toContain('/costs — What your agents spent on LLMs');
  });
});

describe('the daily LLM budget in /create and /edit', () => {
  it('asks after the LLM, refuses bad amounts with an example, and stores the budget', async () => {
    const dan = h.user(711);
    await dan.send('/start');
    await dan.send('/create');
    for (const step of UP_TO_LLM) await dan.press(step);
    await dan.press('f:llm:openai');
    expect(dan.lastText()).toContain('Daily LLM budget in USD?');
    expect(dan.lastButtons()).toEqual(['f:bud:0.5', 'f:bud:1', 'f:bud:5', 'f:bud:none']);
    await dan.send('cheap');
    expect(dan.texts().at(-2)).toContain('"cheap" is not an amount. Type a budget in USD like 0.50, or none.');
    await dan.send('0');
    expect(dan.texts().at(-2)).toContain('Daily LLM budget must be more than 0 and at most 10,000 USD, got 0. Type e.g. 0.50, or none.');
    await dan.send('20000');
    expect(dan.texts().at(-2)).toContain('at most 10,000 USD, got 20000');
    await dan.send('$2.5');
    expect(dan.lastText()).toContain('Paper trading or live');
    await dan.press('f:live:paper');
    expect(dan.lastText()).toContain('LLM: openai · budget $2.50/day');
    await dan.press('f:sum:launch');
    const [agent] = await h.hub.agents.list(await userId(711));
    expect(agent).toMatchObject({ llmProvider: 'openai', llmDailyBudgetUsd: 2.5 });
    await h.hub.lifecycle.stop(await userId(711), agent!.id);
  });

  it('skips the question for an agent on rules only (no budget)', async () => {
    const eve = h.user(712);
    await eve.send('/start');
    await eve.send('/create');
    for (const step of [...UP_TO_LLM, 'f:llm:none']) await eve.press(step);
    expect(eve.lastText()).toContain('Paper trading or live');
    await eve.press('f:live:paper');
    await eve.press('f:sum:cancel');
  });

  it('/edit sets, refuses and removes the budget; it is in force at once on a running agent', async () => {
    const fay = h.user(713);
    await fay.send('/start');
    const owner = await userId(713);
    const agent = await h.hub.agents.create(owner, { name: 'edited', symbol: 'BTCUSDT', amountUsdt: 100, llmProvider: 'openai' });
    await h.hub.lifecycle.start(owner, agent.id);

    await fay.send('/edit edited');
    expect(fay.lastButtons()).toContain('f:ef:llmDailyBudgetUsd');
    await fay.press('f:ef:llmDailyBudgetUsd');
    expect(fay.lastText()).toContain('Daily LLM budget in USD?');
    await fay.send('-3');
    expect(fay.texts().at(-2)).toContain('Daily LLM budget must be more than 0');
    await fay.send('0.75');
    expect(fay.texts().at(-2)).toBe('💾 Saved. Applied live: LLM budget.');
    expect((await h.hub.agents.find(owner, agent.id)).llmDailyBudgetUsd).toBe(0.75);

    await fay.press('f:ef:llmDailyBudgetUsd');
    await fay.press('f:bud:none');
    expect((await h.hub.agents.find(owner, agent.id)).llmDailyBudgetUsd).toBeNull();
    await fay.press('f:ef:done');
    await h.hub.lifecycle.stop(owner, agent.id);
  });
});
