/**
 * /backtest in chat through the Bot API stand-in, over a real hub and the REAL backtest service
 * (worker threads, store), its history from the simulated provider: the step-by-step flow (the
 * /create questions plus strategy and period; bad answers refused with a reason and asked again;
 * Edit from the summary; /cancel), the one-line form with its defaults stated, refusals of bad
 * input and of the service (too many bars, before the history, a run already on), and the agent
 * card's 🧪 Backtest these settings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/bot/backtest-args.js';
import { recordText } from '../../src/bot/backtest-format.js';
import type { BacktestRecord } from '../../src/hub/backtest/types.js';
import type { TestUser } from '../support/bot-harness.js';
import { buttonsIn, chatOf, createBacktestHarness, lastAnswer, type BacktestHarness } from '../support/backtest-harness.js';
import { waitUntil } from '../support/wait.js';

let t: BacktestHarness;

beforeAll(async () => {
  t = await createBacktestHarness();
}, 60_000);
afterAll(async () => t?.close());

const userId = async (telegramId: number) => (await t.h.hub.users.byTelegramId(telegramId))!.id;
/** Open time of the bar under way at the bot's clock, for bars of `ms`. */
const barOpen = (ms: number) => Math.floor(t.h.clock.now / ms) * ms;

/** Waits for `user`'s n-th stored run and returns it. */
async function nthRun(user: TestUser, n: number): Promise<BacktestRecord> {
  const owner = await userId(user.id);
  await waitUntil(async () => (await t.backtests.list(owner, 50)).length >= n, 30_000, `run ${n} of ${user.id}`);
  const items = await t.backtests.list(owner, 50);
  return (await t.backtests.get(owner, items[items.length - n]!.id))!;
}

/** Waits until the bot has sent the result of `record` (its table) to `user`. */
async function resultSent(user: TestUser, record: BacktestRecord): Promise<void> {
  const chat = chatOf(t.h, user);
  await waitUntil(() => chat.sent().some((m) => m.text === recordText(record)), 30_000, 'the result table');
}

describe('/backtest step by step', () => {
  it('asks the /create questions plus strategy and period, refuses bad answers, edits from the summary and runs', async () => {
    const alice = t.h.user(601);
    const chat = chatOf(t.h, alice);
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
    const progress = chat.sent().at(-1)!;
    expect(progress.text).toBe('🧪 <b>Backtest</b> · ETHUSDT 1h · macd_signal · 90 days\n⏳ Loading the price history…');
    expect(await t.h.store.list('flow:601:')).toEqual([]);

    const run = await nthRun(alice, 1);
    expect(run.kind === 'backtest' && run.result.params).toEqual({
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
    await resultSent(alice, run);
    // The same message went from loading to done; while the run was on it carried Alice's Cancel.
    expect(chat.current(progress.id)).toMatch(
      /^🧪 <b>Backtest<\/b> · ETHUSDT 1h · macd_signal · 90 days\n✅ Done: 2,160 bars, \d+ trades?\./,
    );
    const edits = chat.edits(progress.id);
    expect(buttonsIn(edits[0])).toEqual([`btx:${(601).toString(36)}:${run.id}`]);
    expect(buttonsIn(edits.at(-1))).toEqual([]);
  });

  it('/cancel at any step runs nothing', async () => {
    const dan = t.h.user(604);
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
    expect(t.gate.requests.filter((r) => r.symbol === 'BTCUSDT' && r.interval === '15m' && r.toMs - r.fromMs === 7 * DAY_MS)).toEqual([]);
  });
});

describe('/backtest in one line', () => {
  it('runs the example of the issue at once and states the defaults it took', async () => {
    const bob = t.h.user(602);
    await bob.send('/start');
    await bob.send('/backtest BTCUSDT 15m 90d trend_following tp=3 sl=1.5 lev=3');
    expect(bob.lastText()).toBe(
      '🧪 <b>Backtest</b> · BTCUSDT 15m · trend_following · 90 days\nDefaults: capital 1000 USDT, TP/SL fixed, risk moderate, paper.\n⏳ Loading the price history…',
    );
    const run = await nthRun(bob, 1);
    expect(run.kind === 'backtest' && run.result.params).toMatchObject({
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
    await resultSent(bob, run);
  });

  it('refuses an unknown symbol, strategy or period with what to type, and runs nothing', async () => {
    const bob = t.h.user(602);
    const asked = t.gate.requests.length;
    await bob.send('/backtest NOPECOIN 15m');
    expect(bob.lastText()).toMatch(/^⚠️ Unknown symbol "NOPECOIN" \(unknown asset NOPECOIN\)/);
    expect(bob.lastText()).toContain('For example /backtest BTCUSDT 15m 90d trend_following tp=3 sl=1.5 lev=3, or /backtest alone');
    await bob.send('/backtest BTCUSDT wat_strategy');
    expect(bob.lastText()).toMatch(/^⚠️ Unknown strategy "wat_strategy"\. Use auto/);
    await bob.send('/backtest BTCUSDT 15m 500d');
    expect(bob.lastText()).toMatch(/^⚠️ "500d" is not a period I can test\. Use 7d, 30d, 90d or 1y/);
    await bob.send('/backtest BTCUSDT lev=10 sl=9.7');
    expect(bob.lastText()).toContain('A 9.7% stop-loss at 10x leverage would be at or past the liquidation price');
    expect(t.gate.requests).toHaveLength(asked);
  });

  it("says the service's refusals in the progress message: too many bars, before the history, a run already on", async () => {
    const erin = t.h.user(606);
    const chat = chatOf(t.h, erin);
    await erin.send('/start');
    const refusal = async (command: string) => {
      await erin.send(command);
      const progress = chat.sent().at(-1)!;
      await waitUntil(() => chat.current(progress.id).includes('⚠️'), 30_000, `the refusal of ${command}`);
      expect(buttonsIn(chat.edits(progress.id).at(-1))).toEqual([]);
      return chat.current(progress.id).split('\n').at(-1);
    };
    expect(await refusal('/backtest BTCUSDT 1m 90d')).toBe(
      '⚠️ That is 129,600 bars of 1m; a backtest covers at most 110,000. Choose a shorter period or a longer timeframe.',
    );
    expect(await refusal('/backtest BTCUSDT 1h 2019-01-01 2019-03-31')).toMatch(
      /^⚠️ The simulated market has no BTCUSDT 1h bars before 2020-01-01\. Choose a period that starts later/,
    );

    // One run at a time per trader: the second is refused while the first loads its history.
    t.gate.hold();
    const asked = t.gate.requests.length;
    await erin.send('/backtest ETHUSDT 1h 7d');
    const first = chat.sent().at(-1)!;
    await waitUntil(() => t.gate.requests.length > asked, 10_000, 'the first history load');
    expect(await refusal('/backtest SOLUSDT 1h 7d')).toBe(
      '⚠️ You already have a backtest running: wait for it, or press Cancel on its progress message. /backtests lists your results.',
    );
    t.gate.release();
    await waitUntil(() => chat.current(first.id).includes('✅ Done'), 30_000, 'the first run');
  });
});

describe('agent card', () => {
  it('🧪 Backtest these settings runs the agent’s own settings over 30 days; only for its owner', async () => {
    const carol = t.h.user(603);
    const eve = t.h.user(605);
    await carol.send('/start');
    await eve.send('/start');
    const agent = await t.h.hub.agents.create(await userId(603), {
      symbol: 'SOLUSDT',
      amountUsdt: 250,
      name: 'sol-bot',
      leverage: 2,
      timeframe: '1h',
      tpPct: 4,
      slPct: 2,
      tpSlMode: 'dynamic',
      strategy: 'supertrend',
    });
    await carol.send('/agent sol-bot');
    expect(carol.lastButtons()).toContain(`ag:b:${agent.id}`);

    const asked = t.gate.requests.length;
    await eve.press(`ag:b:${agent.id}`);
    expect(lastAnswer(t.h)).toBe('That agent does not exist (any more).');
    expect(t.gate.requests).toHaveLength(asked);

    await carol.press(`ag:b:${agent.id}`);
    expect(carol.lastText()).toBe(
      '🧪 <b>Backtest</b> of <b>sol-bot</b> · SOLUSDT 1h · supertrend · 30 days\n⏳ Loading the price history…',
    );
    const run = await nthRun(carol, 1);
    expect(run.kind === 'backtest' && run.result.params).toMatchObject({
      symbol: 'SOLUSDT',
      timeframe: '1h',
      strategy: 'supertrend',
      amountUsdt: 250,
      leverage: 2,
      tpPct: 4,
      slPct: 2,
      tpSlMode: 'dynamic',
      toMs: barOpen(3_600_000),
      fromMs: barOpen(3_600_000) - 30 * DAY_MS,
    });
    await resultSent(carol, run);
  });
});
