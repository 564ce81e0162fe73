/**
 * A backtest's life in chat through the Bot API stand-in, over a real hub and the REAL backtest
 * service (worker threads, store; history from the simulated provider; pictures from the hub's
 * chart service): ONE progress message edited at most every 2 s of the bot's clock (bars done,
 * trades so far) with a ✖️ Cancel only its asker can press; the result (table, notes, two images,
 * 🚀 Launch agent with these settings, which opens /create prefilled); /compare's ranking and
 * image; /backtests and sending a run again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listText, recordText } from '../../src/bot/backtest-format.js';
import { FOREIGN_BUTTON_TEXT } from '../../src/bot/owned-callback.js';
import type { BacktestEvent, BacktestProgress, BacktestRecord } from '../../src/hub/backtest/types.js';
import { fieldText } from '../support/bot-api-server.js';
import type { TestUser } from '../support/bot-harness.js';
import { buttonsIn, chatOf, createBacktestHarness, lastAnswer, photoBytes, type BacktestHarness } from '../support/backtest-harness.js';
import { pngSize } from '../support/png.js';
import { waitUntil } from '../support/wait.js';

let t: BacktestHarness;

beforeAll(async () => {
  t = await createBacktestHarness();
}, 60_000);
afterAll(async () => t?.close());

const b36 = (n: number) => n.toString(36);
const userId = async (user: TestUser) => (await t.h.hub.users.byTelegramId(user.id))!.id;

/** Sends `command` and waits for the run's end in its progress message; returns that message's id and the stored run. */
async function run(user: TestUser, command: string): Promise<{ progressId: number; record: BacktestRecord }> {
  const chat = chatOf(t.h, user);
  await user.send(command);
  const progressId = chat.sent().at(-1)!.id;
  await waitUntil(() => /\n(✅|❌|⚠️|✖️)/.test(chat.current(progressId)), 60_000, `the end of ${command}`);
  const [item] = await t.backtests.list(await userId(user), 1);
  const record = (await t.backtests.get(await userId(user), item!.id))!;
  await waitUntil(() => chat.sent().some((m) => m.text === recordText(record)), 30_000, 'the result');
  return { progressId, record };
}

/** The line a progress edit shows for `p`. */
const progressLine = (p: BacktestProgress) => `${p.barsDone.toLocaleString('en-US')} / ${p.barsTotal.toLocaleString('en-US')} bars`;

describe('progress and cancel', () => {
  // A comparison reports after each strategy (at most four a second, and always the last), so it
  // reports at least twice whatever the machine's speed.
  it('edits one message, every progress report shown when 2 s have passed on the bot’s clock', async () => {
    const alice = t.h.user(701);
    const chat = chatOf(t.h, alice);
    await alice.send('/start');
    const reports: BacktestProgress[] = [];
    // 2 s pass on the bot's clock before each event of the run.
    t.beforeEvent = (e: BacktestEvent) => {
      if (e.kind === 'progress') reports.push(e.progress);
      if (e.kind === 'progress' || e.kind === 'started') t.h.clock.now += 2_000;
    };
    const { progressId, record } = await run(alice, '/compare BTCUSDT 15m 90d');
    t.beforeEvent = undefined;

    const edits = chat.edits(progressId).map((c) => ({ text: fieldText(c.payload.text), buttons: buttonsIn(c) }));
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports.at(-1)).toMatchObject({ barsDone: 24 * 8640, barsTotal: 24 * 8640 });
    const shown = edits.filter((e) => e.text.includes(' bars · '));
    expect(shown.map((e) => e.text.split('\n').at(-1))).toEqual(
      reports.map((p) => `${progressLine(p)} · ${p.trades} ${p.trades === 1 ? 'trade' : 'trades'} so far`),
    );
    // Every edit but the last carries Alice's Cancel; the last says it is done, without buttons.
    const cancel = `btx:${b36(701)}:${record.id}`;
    expect(edits.slice(0, -1).every((e) => e.buttons.join() === cancel)).toBe(true);
    expect(edits.map((e) => e.text.split('\n').at(-1)).slice(0, 2)).toEqual(['⏳ Starting…', '▶️ Running…']);
    const trades = record.kind === 'compare' ? record.result.rows.reduce((n, r) => n + r.summary.trades, 0) : -1;
    expect(edits.at(-1)).toEqual({
      text: `🏁 <b>Compare</b> all 24 strategies · BTCUSDT 15m · 90 days\nDefaults: capital 1000 USDT, leverage 5x, no take-profit, no stop-loss, TP/SL fixed, risk moderate, paper.\n✅ Done: 8,640 bars, ${trades.toLocaleString('en-US')} trades. The result follows.`,
      buttons: [],
    });
    // No other message was sent for the progress.
    expect(chat.sent().filter((m) => m.text.startsWith('🏁 <b>Compare</b> all 24 strategies · BTCUSDT 15m'))).toHaveLength(1);
  });

  it('shows no progress report while the bot’s clock stands still (the edits wait 2 s)', async () => {
    const alice = t.h.user(701);
    const chat = chatOf(t.h, alice);
    let reports = 0;
    t.beforeEvent = (e) => void (e.kind === 'progress' && reports++);
    const { progressId } = await run(alice, '/compare ETHUSDT 15m 30d');
    t.beforeEvent = undefined;
    expect(reports).toBeGreaterThanOrEqual(2);
    const texts = chat.edits(progressId).map((c) => fieldText(c.payload.text).split('\n').at(-1));
    expect(texts).toEqual(['⏳ Starting…', expect.stringMatching(/^✅ Done: 2,880 bars/)]);
  });

  it('Cancel belongs to its asker: another user is refused, the asker stops the run and nothing is stored', async () => {
    const bob = t.h.user(702);
    const mallory = t.h.user(703);
    const chat = chatOf(t.h, bob);
    await bob.send('/start');
    await mallory.send('/start');
    // Every strategy over a year of 5m bars: long enough to be stopped.
    await bob.send('/compare BTCUSDT 5m 1y');
    const progressId = chat.sent().at(-1)!.id;
    await waitUntil(() => buttonsIn(chat.edits(progressId).at(-1)).length > 0, 60_000, 'the Cancel button');
    const [cancel] = buttonsIn(chat.edits(progressId).at(-1));
    expect(cancel).toMatch(new RegExp(`^btx:${b36(702)}:[0-9a-f-]{36}$`));

    await mallory.press(cancel!, progressId);
    expect(lastAnswer(t.h)).toBe(FOREIGN_BUTTON_TEXT);
    // Her own data naming his job: the service refuses, the job is not hers.
    await mallory.press(cancel!.replace(b36(702), b36(703)), progressId);
    expect(lastAnswer(t.h)).toBe('This backtest is over already.');
    expect(chat.current(progressId)).not.toContain('Cancelled');

    await bob.press(cancel!, progressId);
    expect(lastAnswer(t.h)).toBe('Cancelling…');
    await waitUntil(() => chat.current(progressId).includes('Cancelled'), 30_000, 'the cancelled edit');
    expect(chat.current(progressId)).toMatch(/\n✖️ Cancelled\. Nothing was stored\.$/);
    expect(buttonsIn(chat.edits(progressId).at(-1))).toEqual([]);
    await bob.press(cancel!, progressId);
    expect(lastAnswer(t.h)).toBe('This backtest is over already.');
    expect(await t.backtests.list(await userId(bob), 10)).toEqual([]);
  });
});

describe('the result', () => {
  it('ends the progress message and sends the table with its notes, two images and Launch', async () => {
    const carol = t.h.user(704);
    const chat = chatOf(t.h, carol);
    await carol.send('/start');
    const { record } = await run(carol, '/backtest SOLUSDT 15m 30d strategy=auto tp=3 sl=1.5 lev=3');
    await waitUntil(() => chat.photos().length === 2, 30_000, 'two images');
    const [table, equity, trades] = chat.sent().slice(-3);
    expect(table!.text).toBe(recordText(record));
    expect(table!.text).toMatch(/<pre>Total return +[+−]?\d+\.\d\d%\nBuy and hold /);
    expect(table!.text).toContain('Strategy: auto → <b>');
    expect(table!.text).toContain('ℹ️ LLM planning is not used in backtests');
    expect(table!.buttons).toEqual([`btl:${b36(704)}:${record.id}`]);
    expect(pngSize(photoBytes(equity!.call)).width).toBeGreaterThan(0);
    expect(fieldText(equity!.call.payload.caption)).toContain('📈 Equity against buy-and-hold');
    expect(pngSize(photoBytes(trades!.call)).width).toBeGreaterThan(0);
    expect(fieldText(trades!.call.payload.caption)).toMatch(/^🕯 Price with entries and exits · \d+ trades?$/);
  });

  it('🚀 Launch opens /create with the backtest’s settings; only the rest is asked', async () => {
    const carol = t.h.user(704);
    const launch = chatOf(t.h, carol)
      .sent()
      .find((m) => m.buttons[0]?.startsWith('btl:'))!;
    await t.h.user(705).send('/start');
    await t.h.user(705).press(launch.buttons[0]!, launch.id);
    expect(lastAnswer(t.h)).toBe(FOREIGN_BUTTON_TEXT);

    await carol.press(launch.buttons[0]!, launch.id);
    expect(carol.texts().at(-2)).toContain("with your backtest's settings");
    expect(carol.lastText()).toContain('Name the agent');
    await carol.press('f:name:default');
    expect(carol.lastText()).toContain('Which LLM');
    await carol.press('f:llm:none');
    const summary = carol.lastText();
    expect(summary).toContain('Pair: <b>SOLUSDT</b>');
    expect(summary).toContain('Capital: 1000 USDT · Leverage 3x');
    expect(summary).toContain('Take-profit 3% · Stop-loss 1.5% · fixed');
    expect(summary).not.toContain('Strategy:'); // auto: the planner picks, as for any agent
    expect(summary).toContain('Mode: 📝 paper');
    await carol.press('f:sum:launch');
    const [agent] = await t.h.hub.agents.list(await userId(carol));
    expect(agent).toMatchObject({
      symbol: 'SOLUSDT',
      timeframe: '15m',
      amountUsdt: 1000,
      leverage: 3,
      tpPct: 3,
      slPct: 1.5,
      strategy: null,
      liveMode: false,
      status: 'running',
    });
    await t.h.hub.lifecycle.stop(await userId(carol), agent!.id);
  });

  it('a live backtest of a fixed strategy launches with it, through the paper-or-live question that asks for the keys', async () => {
    const dave = t.h.user(706);
    await dave.send('/start');
    await run(dave, '/backtest ETHUSDT 1h 7d bollinger_squeeze mode=live');
    const launch = chatOf(t.h, dave)
      .sent()
      .find((m) => m.buttons[0]?.startsWith('btl:'))!;
    await dave.press(launch.buttons[0]!, launch.id);
    await dave.press('f:name:default');
    await dave.press('f:llm:none');
    expect(dave.lastText()).toContain('Paper trading or live money?');
    expect(dave.lastButtons()).toEqual(['f:live:paper', 'f:live:live']);
    await dave.press('f:live:live');
    expect(dave.texts().at(-2)).toContain('Live trading needs your own HashKey API key');
    await dave.send('/cancel');
    await dave.press(launch.buttons[0]!, launch.id);
    await dave.press('f:name:default');
    await dave.press('f:llm:none');
    await dave.press('f:live:paper');
    expect(dave.lastText()).toContain('Strategy: <b>bollinger_squeeze</b> (fixed)');
    await dave.press('f:sum:cancel');
  });
});

describe('/compare and /backtests', () => {
  it('/compare runs every strategy on the same bars: a ranked table and one image', async () => {
    const erin = t.h.user(707);
    const chat = chatOf(t.h, erin);
    await erin.send('/start');
    await erin.send('/compare');
    expect(erin.lastText()).toContain('Usage: /compare takes a symbol, a timeframe and a period');
    await erin.send('/compare ETHUSDT 1h 30d macd');
    expect(erin.lastText()).toContain('/compare runs every strategy on the same bars: leave "macd" out.');
    const { progressId, record } = await run(erin, '/compare ETHUSDT 1h 30d');
    expect(chat.sent().find((m) => m.id === progressId)!.text).toMatch(
      /^🏁 <b>Compare<\/b> all 24 strategies · ETHUSDT 1h · 30 days\nDefaults: /,
    );
    expect(record.kind).toBe('compare');
    await waitUntil(() => chat.photos().length === 1, 30_000, 'the comparison image');
    const [table, image] = chat.sent().slice(-2);
    expect(table!.text).toBe(recordText(record));
    expect(table!.text).toMatch(/<pre># {2}Strategy +Return +MaxDD +Tr\n1 /);
    expect(table!.buttons).toEqual([]);
    expect(pngSize(photoBytes(image!.call)).width).toBeGreaterThan(0);
    expect(fieldText(image!.call.payload.caption)).toContain('The 5 best equity curves against buy-and-hold · ETHUSDT 1h');
  });

  it('/backtests lists the caller’s runs and sends one again from the store', async () => {
    const erin = t.h.user(707);
    const chat = chatOf(t.h, erin);
    await erin.send('/backtests');
    const list = chat.sent().at(-1)!;
    const items = await t.backtests.list(await userId(erin), 10);
    expect(list.text).toBe(listText(items));
    expect(list.text).toContain('1. ETHUSDT 1h · all strategies');
    expect(list.buttons).toEqual(items.map((item) => `bts:${b36(707)}:${item.id}`));

    await t.h.user(708).send('/start');
    await t.h.user(708).press(list.buttons[0]!, list.id);
    expect(lastAnswer(t.h)).toBe(FOREIGN_BUTTON_TEXT);
    const photos = chat.photos().length;
    await erin.press(list.buttons[0]!, list.id);
    await waitUntil(() => chat.photos().length === photos + 1, 30_000, 'the image again');
    expect(chat.sent().at(-2)!.text).toBe(recordText((await t.backtests.get(await userId(erin), items[0]!.id))!));

    await t.h.user(708).send('/backtests');
    expect(chatOf(t.h, t.h.user(708)).sent().at(-1)!.text).toContain('You have no backtests yet');
  });
});
