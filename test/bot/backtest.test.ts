/**
 * /backtest in chat through the Bot API stand-in, over a real hub: the step-by-step flow (the
 * /create questions plus strategy and period; bad answers refused with a reason and asked again;
 * Edit from the summary; /cancel), the one-line form with its defaults stated, refusals of bad
 * input and of the hub, and the agent card's 🧪 Backtest these settings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/bot/backtest-args.js';
import { HubError } from '../../src/hub/errors.js';
import { fieldText } from '../support/bot-api-server.js';
import { createBotHarness, type BotHarness, type TestUser } from '../support/bot-harness.js';
import { createScriptedBacktests, type ScriptedBacktests } from '../support/scripted-backtests.js';

let h: BotHarness;
let backtests: ScriptedBacktests;

beforeAll(async () => {
  backtests = createScriptedBacktests();
  h = await createBotHarness({ env: { ACCESS_MODE: 'open' }, botHub: (hub) => ({ ...hub, backtests }) });
}, 60_000);
afterAll(async () => h?.close());

const userId = async (telegramId: number) => (await h.hub.users.byTelegramId(telegramId))!.id;
/** Open time of the 15m / 1h bar under way at the harness's clock. */
const barOpen = (ms: number) => Math.floor(h.clock.now / ms) * ms;

/** The bot's messages to `user` as sent (text and button data), and the current text of the last one. */
function lastSent(user: TestUser) {
  const calls = h.api.succeeded('sendMessage').filter((c) => c.chatId === String(user.chatId));
  return { count: calls.length, text: fieldText(calls.at(-1)?.payload.text) };
}
/** The current text (after edits) of the bot's message `id` in `user`'s chat. */
const current = (user: TestUser, id: number) => h.api.messageText(user.chatId, id) ?? '';
function buttonsOf(user: TestUser, id: number): string[] {
  const edits = h.api.succeeded('editMessageText').filter((c) => c.chatId === String(user.chatId) && Number(c.payload.message_id) === id);
  const markup = edits.at(-1)?.payload.reply_markup as { inline_keyboard: Array<Array<{ callback_data: string }>> } | undefined;
  return (markup?.inline_keyboard ?? []).flat().map((b) => b.callback_data);
}

describe('/backtest step by step', () => {
  it('asks the /create questions plus strategy and period, refuses bad answers, edits from the summary and runs', async () => {
    const alice = h.user(601);
    await alice.send('/start');
    await alice.send('/backtest');
    expect(alice.texts().at(-2)).toContain("Let's test a strategy on past bars");
    expect(alice.lastText()).toContain('Which pair');
    await alice.send('NOPECOIN');
    expect(alice.texts().at(-2)).toMatch(/^⚠️ Unknown symbol "NOPECOIN"/);
    expect(alice.lastText()).toContain('Which pair');
    await alice.press('f:sym:ETHUSDT');
    expect(alice.lastText()).toContain('Candle timeframe');
    await alice.press('f:tf:1h');

    expect(alice.lastText()).toContain('Which strategy');
    expect(alice.lastButtons()).toHaveLength(25);
    expect(alice.lastButtons().slice(0, 2)).toEqual(['f:strat:auto', 'f:strat:momentum']);
    await alice.send('trend_folowing');
    expect(alice.texts().at(-2)).toMatch(/^⚠️ Unknown strategy "trend_folowing"\. Use auto/);
    await alice.send('MACD');

    expect(alice.lastText()).toContain('Over which period');
    expect(alice.lastButtons()).toEqual(['f:per:7d', 'f:per:30d', 'f:per:90d', 'f:per:1y', 'f:per:custom']);
    await alice.send('2y');
    expect(alice.texts().at(-2)).toContain('"2y" is not a period I can test');
    await alice.press('f:per:custom');
    expect(alice.lastText()).toContain('Type the first and the last day (UTC) as YYYY-MM-DD');
    await alice.send('2026-02-30 2026-03-31');
    expect(alice.texts().at(-2)).toBe('⚠️ "2026-02-30" is not a date. Type dates as YYYY-MM-DD, e.g. 2024-01-01.');
    await alice.send('2026-01-01 2026-03-31');

    expect(alice.lastText()).toContain('How much capital');
    await alice.press('f:amt:500');
    await alice.press('f:lev:3');
    await alice.send('3');
    await alice.send('40');
    expect(alice.texts().at(-2)).toContain('A 40% stop-loss at 3x leverage would be at or past the liquidation price');
    await alice.send('1.5');
    await alice.press('f:mode:fixed');
    // Live is only what a launched agent would use: no keys are asked here.
    expect(alice.lastText()).toContain('For an agent launched from this backtest');
    expect(alice.lastButtons()).toEqual(['f:live:paper', 'f:live:live']);
    await alice.press('f:live:live');

    expect(alice.lastText().split('\n')).toEqual([
      '📋 <b>Summary</b>',
      'Pair: <b>ETHUSDT</b> · 1h',
      'Strategy: macd_signal',
      'Period: 2026-01-01 → 2026-03-31',
      'Capital 500 USDT · 3x · TP 3% · SL 1.5% (fixed) · risk moderate · 💰 live',
    ]);
    expect(alice.lastButtons()).toEqual(['f:sum:run', 'f:sum:edit', 'f:sum:cancel']);
    await alice.press('f:sum:edit');
    expect(alice.lastButtons()).toContain('f:field:period');
    await alice.press('f:field:period');
    await alice.press('f:per:90d');
    expect(alice.lastText()).toContain('Period: 90 days');

    await alice.press('f:sum:run');
    expect(backtests.jobs).toHaveLength(1);
    const job = backtests.jobs[0]!;
    expect(job.ownerId).toBe(await userId(601));
    expect(job.params).toEqual({
      symbol: 'ETHUSDT',
      timeframe: '1h',
      strategy: 'macd_signal',
      fromMs: barOpen(3_600_000) - 90 * DAY_MS,
      toMs: barOpen(3_600_000),
      amountUsdt: 500,
      leverage: 3,
      tpPct: 3,
      slPct: 1.5,
      tpSlMode: 'fixed',
      riskProfile: 'moderate',
      maxSessionLossPct: 10,
      liveMode: true,
    });
    // One progress message: queued, with a Cancel button that is Alice's.
    const progress = lastSent(alice);
    expect(progress.text).toMatch(/^🧪 <b>Backtest<\/b> · ETHUSDT 1h · macd_signal · 90 days\n⏳ Loading the price history…$/);
    expect(current(alice, progress.count)).toContain('⏳ Waiting in the queue: position 1.');
    expect(buttonsOf(alice, progress.count)).toEqual([`btx:${(601).toString(36)}:${job.id}`]);
    expect(await h.store.list('flow:601:')).toEqual([]);
  });

  it('/cancel at any step runs nothing', async () => {
    const dan = h.user(604);
    await dan.send('/start');
    await dan.send('/backtest');
    await dan.press('f:sym:BTCUSDT');
    await dan.press('f:tf:15m');
    await dan.send('/cancel');
    expect(dan.lastText()).toBe('✖️ /backtest cancelled. Nothing more was changed.');
    await dan.send('/backtest');
    for (const step of ['f:sym:BTCUSDT', 'f:tf:15m', 'f:strat:auto', 'f:per:7d', 'f:amt:100', 'f:lev:2', 'f:tp:skip', 'f:sl:skip'])
      await dan.press(step);
    await dan.press('f:mode:fixed');
    await dan.press('f:live:paper');
    await dan.press('f:sum:cancel');
    expect(dan.lastText()).toBe('✖️ Cancelled. Nothing was run.');
    const danId = await userId(604);
    expect(backtests.jobs.filter((j) => j.ownerId === danId)).toEqual([]);
  });
});

describe('/backtest in one line', () => {
  it('runs the example of the issue at once and states the defaults it took', async () => {
    const bob = h.user(602);
    await bob.send('/start');
    await bob.send('/backtest BTCUSDT 15m 90d trend_following tp=3 sl=1.5 lev=3');
    const job = backtests.jobs.at(-1)!;
    expect(job.params).toMatchObject({
      symbol: 'BTCUSDT',
      timeframe: '15m',
      strategy: 'trend_following',
      tpPct: 3,
      slPct: 1.5,
      leverage: 3,
      amountUsdt: 1000,
      liveMode: false,
      toMs: barOpen(900_000),
      fromMs: barOpen(900_000) - 90 * DAY_MS,
    });
    expect(bob.lastText()).toBe(
      '🧪 <b>Backtest</b> · BTCUSDT 15m · trend_following · 90 days\nDefaults: capital 1000 USDT, TP/SL fixed, risk moderate, paper.\n⏳ Loading the price history…',
    );
  });

  it('refuses an unknown symbol, strategy or period with what to type, and runs nothing', async () => {
    const bob = h.user(602);
    const before = backtests.jobs.length;
    await bob.send('/backtest NOPECOIN 15m');
    expect(bob.lastText()).toMatch(/^⚠️ Unknown symbol "NOPECOIN" \(unknown asset NOPECOIN\)/);
    expect(bob.lastText()).toContain('For example /backtest BTCUSDT 15m 90d trend_following tp=3 sl=1.5 lev=3, or /backtest alone');
    await bob.send('/backtest BTCUSDT wat_strategy');
    expect(bob.lastText()).toMatch(/^⚠️ Unknown strategy "wat_strategy"\. Use auto/);
    await bob.send('/backtest BTCUSDT 15m 500d');
    expect(bob.lastText()).toMatch(/^⚠️ "500d" is not a period I can test\. Use 7d, 30d, 90d or 1y/);
    await bob.send('/backtest BTCUSDT lev=10 sl=9.7');
    expect(bob.lastText()).toContain('A 9.7% stop-loss at 10x leverage would be at or past the liquidation price');
    expect(backtests.jobs).toHaveLength(before);
  });

  it("says the hub's refusal (busy, queue full, period beyond the history) in the progress message", async () => {
    const bob = h.user(602);
    backtests.refuseNext(new HubError('busy', 'You already have a backtest running. Wait for it, or press Cancel under it.'));
    await bob.send('/backtest ETHUSDT 30d');
    const progress = lastSent(bob);
    expect(current(bob, progress.count)).toBe(
      '🧪 <b>Backtest</b> · ETHUSDT 15m · auto · 30 days\nDefaults: timeframe 15m, strategy auto (the rules planner picks), capital 1000 USDT, leverage 5x, no take-profit, no stop-loss, TP/SL fixed, risk moderate, paper.\n⚠️ You already have a backtest running. Wait for it, or press Cancel under it.',
    );
    expect(buttonsOf(bob, progress.count)).toEqual([]);
  });
});

describe('agent card', () => {
  it('🧪 Backtest these settings runs the agent’s own settings over 30 days; only for its owner', async () => {
    const carol = h.user(603);
    const eve = h.user(605);
    await carol.send('/start');
    await eve.send('/start');
    const agent = await h.hub.agents.create(await userId(603), {
      symbol: 'SOLUSDT',
      amountUsdt: 250,
      name: 'sol-bot',
      leverage: 2,
      timeframe: '5m',
      tpPct: 4,
      slPct: 2,
      tpSlMode: 'dynamic',
      strategy: 'supertrend',
    });
    await carol.send('/agent sol-bot');
    expect(carol.lastButtons()).toContain(`ag:b:${agent.id}`);

    const before = backtests.jobs.length;
    await eve.press(`ag:b:${agent.id}`);
    expect(backtests.jobs).toHaveLength(before);
    expect(h.api.callsTo('answerCallbackQuery').at(-1)!.payload.text).toBe('That agent does not exist (any more).');

    await carol.press(`ag:b:${agent.id}`);
    const job = backtests.jobs.at(-1)!;
    expect(job.ownerId).toBe(await userId(603));
    expect(job.params).toMatchObject({
      symbol: 'SOLUSDT',
      timeframe: '5m',
      strategy: 'supertrend',
      amountUsdt: 250,
      leverage: 2,
      tpPct: 4,
      slPct: 2,
      tpSlMode: 'dynamic',
      toMs: barOpen(300_000),
      fromMs: barOpen(300_000) - 30 * DAY_MS,
    });
    expect(carol.lastText()).toContain('🧪 <b>Backtest</b> of <b>sol-bot</b> · SOLUSDT 5m · supertrend · 30 days');
  });
});
