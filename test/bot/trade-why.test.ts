/**
 * 🤔 Why? on /trade through the real bot and hub over the Bot API stand-in and real PostgreSQL:
 * the signals with their values, the rules-planner wording, an LLM decision's provider, model and
 * tokens, the supervisor's verdicts, the fallback label of a trade that names no decision, and
 * another user's trade answered like a missing one. Trades and decisions are seeded as rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whyCallbackData } from '../../src/bot/features/trade-why.js';
import { FALLBACK_LABEL } from '../../src/bot/why-format.js';
import type { AgentView } from '../../src/hub/agents/agent-view.js';
import { createTradeHistory } from '../../src/hub/analytics/trade-history.js';
import { createBotHarness, type BotHarness, type TestUser } from '../support/bot-harness.js';

let h: BotHarness;
let alice: TestUser;
let bob: TestUser;
let agent: AgentView;
let aliceId: string;
const base = Date.UTC(2026, 10, 2);
let seq = 0;

async function seedTrade(extra: { decisionKey?: string; signals?: unknown; minute: number; closed?: boolean }): Promise<string> {
  const id = crypto.randomUUID();
  const openedAt = new Date(base + extra.minute * 60_000);
  const closedAt = extra.closed === false ? null : new Date(openedAt.getTime() + 30 * 60_000);
  await h.orm.em.getConnection().execute(
    `insert into trades (id, agent_id, side, qty, leverage, margin, entry_price, exit_price, fees, pnl, status, close_reason, live,
                         opened_at, closed_at, exchange_order_ids, idempotency_key, decision_key, signals)
       values (?, ?, 'long', 0.01, 2, 100, 65000, 65100, 0.1, 1, ?, 'tp', false, ?, ?, '[]', ?, ?, ?)`,
    [
      id,
      agent.id,
      closedAt ? 'closed' : 'open',
      openedAt,
      closedAt,
      `why-${id}`,
      extra.decisionKey ?? null,
      extra.signals === undefined ? null : JSON.stringify(extra.signals),
    ],
  );
  return id;
}

async function seedDecision(minute: number, fields: Record<string, unknown>): Promise<string> {
  const key = `why-d-${++seq}`;
  await h.orm.em.getConnection().execute(
    `insert into decisions (id, agent_id, action, strategy, confidence, reasoning, reasoning_hash, idempotency_key, created_at, source, llm)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      crypto.randomUUID(),
      agent.id,
      fields.action ?? 'PLAN',
      fields.strategy ?? null,
      fields.confidence ?? 0.5,
      fields.reasoning ?? '',
      `0x${'0'.repeat(64)}`,
      key,
      new Date(base + minute * 60_000),
      fields.source ?? null,
      fields.llm ? JSON.stringify(fields.llm) : null,
    ],
  );
  return key;
}

const lastAnswer = () => h.api.callsTo('answerCallbackQuery').at(-1)!.payload.text;

beforeAll(async () => {
  h = await createBotHarness({ env: { ACCESS_MODE: 'open', ADMIN_TELEGRAM_IDS: '777' } });
  alice = h.user(811);
  bob = h.user(812);
  for (const u of [alice, bob]) await u.send('/start');
  aliceId = (await h.hub.users.byTelegramId(811))!.id;
  agent = await h.hub.agents.create(aliceId, { symbol: 'BTCUSDT', amountUsdt: 500, name: 'why-bot' });
});
afterAll(async () => h?.close());

describe('🤔 Why?', () => {
  it('sits under /trade and shows the rules planner plainly, with every signal and its value', async () => {
    const planKey = await seedDecision(0, { strategy: 'momentum', source: 'rules', reasoning: 'rules: trending market, ADX 31' });
    await seedDecision(5, { strategy: 'breakout', source: 'rules', reasoning: 'a later plan of another session' });
    const signals = [
      { name: 'momentum', value: 0.5234 },
      { name: 'rsi_signal', value: -0.3 },
      { name: 'macd_signal', value: 0 },
    ];
    const tradeId = await seedTrade({ minute: 10, decisionKey: planKey, signals });
    await seedDecision(20, {
      action: 'KEEP',
      confidence: 0.8,
      reasoning: 'trend intact',
      source: 'llm',
      llm: { provider: 'openai', model: 'gpt-4o-mini', promptTokens: 300, completionTokens: 20 },
    });
    await seedDecision(60, { action: 'CLOSE', reasoning: 'after the trade closed' });

    await alice.send(`/trade ${tradeId.slice(0, 8)}`);
    expect(alice.lastButtons()).toEqual([whyCallbackData(tradeId)]);
    await alice.press(whyCallbackData(tradeId));
    const text = alice.lastText();
    expect(text).toContain(`🤔 <b>Why</b> LONG BTCUSDT · <b>why-bot</b> · trade <code>${tradeId.slice(0, 8)}</code>`);
    expect(text).toContain('🧭 <b>Rules planner (no LLM)</b>: rules: trending market, ADX 31');
    expect(text).toContain('Confidence 50% · strategy <code>momentum</code>');
    expect(text).not.toContain('a later plan');
    expect(text).not.toContain(FALLBACK_LABEL);
    expect(text).toMatch(/momentum\s+\+0\.52 {2}◀ traded/);
    expect(text).toMatch(/rsi_signal\s+−0\.30/);
    expect(text).toMatch(/macd_signal\s+0\.00/);
    expect(text).toContain('• <b>KEEP</b> 80%: trend intact');
    expect(text).toContain('🧠 openai <code>gpt-4o-mini</code> · 300 + 20 tokens · cost unknown');
    expect(text).not.toContain('after the trade closed');
  });

  it('shows the LLM planner with its provider, model, tokens and (when priced) cost', async () => {
    const llm = { provider: 'openai', model: 'gpt-4o-mini', promptTokens: 812, completionTokens: 64 };
    const planKey = await seedDecision(100, {
      strategy: 'ema_crossover',
      source: 'llm',
      confidence: 0.7,
      reasoning: 'llm: crossover on rising volume',
      llm,
    });
    const tradeId = await seedTrade({ minute: 110, decisionKey: planKey, signals: [{ name: 'ema_crossover', value: 0.61 }] });
    await alice.press(whyCallbackData(tradeId));
    expect(alice.lastText()).toContain('🧭 <b>LLM planner</b>: llm: crossover on rising volume');
    expect(alice.lastText()).toContain('🧠 openai <code>gpt-4o-mini</code> · 812 + 64 tokens · cost unknown');

    const priced = createTradeHistory({
      orm: h.orm,
      chainId: 133,
      costOf: (p, m, pt, ct) => (p === 'openai' ? (pt * 0.15 + ct * 0.6) / 1e6 : null),
    });
    const view = await priced.why(aliceId, tradeId);
    expect(view.basis).toBe('linked');
    expect(view.planner?.llm).toEqual({ ...llm, costUsd: (812 * 0.15 + 64 * 0.6) / 1e6 });
  });

  it('labels the fallback for an old trade that names no decision', async () => {
    await seedDecision(200, { action: 'PLAN', strategy: 'z_score', reasoning: 'rules: lookback 20' });
    const tradeId = await seedTrade({ minute: 210 });
    await alice.press(whyCallbackData(tradeId));
    const text = alice.lastText();
    expect(text).toContain(FALLBACK_LABEL);
    expect(text).toContain('🧭 <b>Planner</b>: rules: lookback 20');
    expect(text).toContain('📶 No strategy signals were recorded with this order.');
  });

  it("answers another user's trade like a missing one, and a forged button as out of date", async () => {
    const tradeId = await seedTrade({ minute: 300 });
    const before = bob.texts().length;
    await bob.press(whyCallbackData(tradeId));
    expect(lastAnswer()).toBe(`No trade matches "${tradeId}". Send /trades to see yours.`);
    expect(bob.texts().length).toBe(before);
    await bob.press('why:not-a-trade');
    expect(lastAnswer()).toBe('This button is out of date. Send /trades and then /trade <id>.');
  });
});
