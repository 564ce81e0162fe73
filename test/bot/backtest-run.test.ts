/**
 * A backtest's life in chat through the Bot API stand-in, over a real hub: ONE progress message
 * edited at most every 2 s (bars done, trades so far) with a ✖️ Cancel only its asker can press;
 * the result (table, notes, two images, 🚀 Launch agent with these settings, which opens /create
 * prefilled); /compare's ranking and image; /backtests and sending a run again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOREIGN_BUTTON_TEXT } from '../../src/bot/owned-callback.js';
import { fieldText, type BotApiCall } from '../support/bot-api-server.js';
import { createBotHarness, type BotHarness, type TestUser } from '../support/bot-harness.js';
import { backtestResult, comparisonResult } from '../support/backtest-records.js';
import { createScriptedBacktests, type ScriptedBacktests, type ScriptedJob } from '../support/scripted-backtests.js';
import { waitUntil } from '../support/wait.js';

let h: BotHarness;
let backtests: ScriptedBacktests;
const PNG = { equity: Buffer.from('equity-png'), trades: Buffer.from('trades-png'), compare: Buffer.from('compare-png') };

beforeAll(async () => {
  backtests = createScriptedBacktests();
  h = await createBotHarness({
    env: { ACCESS_MODE: 'open' },
    botHub: (hub) => ({
      ...hub,
      backtests,
      charts: {
        ...hub.charts,
        backtestEquity: async () => PNG.equity,
        backtestTrades: async () => PNG.trades,
        comparison: async () => PNG.compare,
      },
    }),
  });
}, 60_000);
afterAll(async () => h?.close());

const b36 = (n: number) => n.toString(36);
const inChat = (user: TestUser) => (c: BotApiCall) => c.chatId === String(user.chatId);
/** The bot's messages in `user`'s chat (texts and photos), with the ids the stand-in gave them. */
function sent(user: TestUser) {
  return h.api.calls
    .filter((c) => c.status === 200 && ['sendMessage', 'sendPhoto'].includes(c.method) && inChat(user)(c))
    .map((call, i) => ({ call, id: i + 1, text: fieldText(call.payload.text), buttons: buttonsIn(call) }));
}
function buttonsIn(call: BotApiCall | undefined): string[] {
  const markup = call?.payload.reply_markup as { inline_keyboard?: Array<Array<{ callback_data: string }>> } | undefined;
  return (markup?.inline_keyboard ?? []).flat().map((b) => b.callback_data);
}
const editsOf = (user: TestUser, id: number) =>
  h.api.succeeded('editMessageText').filter((c) => inChat(user)(c) && Number(c.payload.message_id) === id);
const photosOf = (user: TestUser) => sent(user).filter((m) => m.call.method === 'sendPhoto');
const lastAnswer = () => fieldText(h.api.callsTo('answerCallbackQuery').at(-1)?.payload.text);
/** The PNG a sendPhoto carried (`photo=attach://<part>`). */
const photoBytes = (call: BotApiCall) => (call.payload[fieldText(call.payload.photo).replace('attach://', '')] as { data: Buffer }).data;

async function startRun(user: TestUser, command: string): Promise<{ job: ScriptedJob; progressId: number }> {
  await user.send(command);
  return { job: backtests.jobs.at(-1)!, progressId: sent(user).at(-1)!.id };
}

describe('progress and cancel', () => {
  it('edits one message at most every 2 s: queue position, then bars done and trades so far', async () => {
    const alice = h.user(701);
    await alice.send('/start');
    const { job, progressId } = await startRun(alice, '/backtest BTCUSDT 15m 30d macd');
    // Below the heading (what runs, the defaults taken): where the run stands.
    const texts = () => editsOf(alice, progressId).map((c) => fieldText(c.payload.text).split('\n').slice(2).join(' | '));
    expect(texts()).toEqual(['⏳ Waiting in the queue: position 1. It starts when the runs ahead of it finish.']);

    const progress = (barsDone: number, trades: number) =>
      backtests.emit(job, { kind: 'progress', progress: { barsDone, barsTotal: 2880, trades } });
    h.clock.now += 2_000;
    backtests.emit(job, { kind: 'started' });
    progress(500, 1); // within 2 s of the last edit: waits
    progress(1000, 3); // replaces the one waiting
    await waitUntil(() => texts().length === 2, 5_000, 'the started edit');
    h.clock.now += 2_000; // the one waiting goes out
    await waitUntil(() => texts().length === 3, 5_000, 'the throttled edit');
    progress(2000, 5);
    h.clock.now += 1_000;
    progress(2500, 7);
    h.clock.now += 1_000;
    await waitUntil(() => texts().length === 4, 5_000, 'the next edit');
    expect(texts()).toEqual([
      '⏳ Waiting in the queue: position 1. It starts when the runs ahead of it finish.',
      '▶️ Running…',
      '▶️ ▓▓▓░░░░░░░ 34% | 1,000 / 2,880 bars · 3 trades so far',
      '▶️ ▓▓▓▓▓▓▓▓░░ 86% | 2,500 / 2,880 bars · 7 trades so far',
    ]);
    const edits = editsOf(alice, progressId);
    expect(edits.every((c) => buttonsIn(c).join() === `btx:${b36(701)}:${job.id}`)).toBe(true);
    // No other message was sent for the progress.
    expect(sent(alice).filter((m) => m.text.includes('Backtest'))).toHaveLength(1);
    backtests.cancel(job.ownerId, job.id);
  });

  it('Cancel belongs to its asker: another user is refused, the asker stops the run', async () => {
    const bob = h.user(702);
    const mallory = h.user(703);
    await bob.send('/start');
    await mallory.send('/start');
    const { job, progressId } = await startRun(bob, '/backtest ETHUSDT 1h 7d');
    const cancel = `btx:${b36(702)}:${job.id}`;
    expect(buttonsIn(editsOf(bob, progressId).at(-1))).toEqual([cancel]);

    await mallory.press(cancel, progressId);
    expect(lastAnswer()).toBe(FOREIGN_BUTTON_TEXT);
    expect(job.over).toBe(false);
    // Her own data naming his job: the hub refuses it, the job is not hers.
    await mallory.press(`btx:${b36(703)}:${job.id}`, progressId);
    expect(lastAnswer()).toBe('This backtest is over already.');
    expect(job.over).toBe(false);

    await bob.press(cancel, progressId);
    expect(lastAnswer()).toBe('Cancelling…');
    expect(job.over).toBe(true);
    await waitUntil(() => (h.api.messageText(bob.chatId, progressId) ?? '').includes('Cancelled'), 5_000, 'the cancelled edit');
    expect(h.api.messageText(bob.chatId, progressId)).toMatch(/\n✖️ Cancelled\. Nothing was stored\.$/);
    expect(buttonsIn(editsOf(bob, progressId).at(-1))).toEqual([]);
    await bob.press(cancel, progressId);
    expect(lastAnswer()).toBe('This backtest is over already.');
  });
});

describe('the result', () => {
  it('ends the progress message and sends the table with its notes, two images and Launch', async () => {
    const carol = h.user(704);
    await carol.send('/start');
    const { job, progressId } = await startRun(carol, '/backtest SOLUSDT 15m 90d trend_following tp=3 sl=1.5 lev=3');
    backtests.finish(job, backtestResult({ symbol: 'SOLUSDT' }), ['The planner ran on its rules: no LLM is called in a backtest.']);
    await waitUntil(() => photosOf(carol).length === 2, 10_000, 'two images');

    expect(h.api.messageText(carol.chatId, progressId)).toMatch(/\n✅ Done: 8,640 bars, 42 trades\. The result follows\.$/);
    expect(buttonsIn(editsOf(carol, progressId).at(-1))).toEqual([]);
    const [table, equity, trades] = sent(carol).slice(-3);
    expect(table!.text).toContain('🧪 <b>Backtest</b> · SOLUSDT 15m · trend_following');
    expect(table!.text).toMatch(/<pre>Total return +\+12\.35%\nBuy and hold +−5\.10%\nMax drawdown +−8\.20%/);
    expect(table!.text).toContain('ℹ️ The planner ran on its rules: no LLM is called in a backtest.');
    expect(table!.buttons).toEqual([`btl:${b36(704)}:${job.id}`]);
    expect(photoBytes(equity!.call)).toEqual(PNG.equity);
    expect(fieldText(equity!.call.payload.caption)).toContain('📈 Equity against buy-and-hold');
    expect(photoBytes(trades!.call)).toEqual(PNG.trades);
    expect(fieldText(trades!.call.payload.caption)).toBe('🕯 Price with entries and exits · 42 trades');
  });

  it('🚀 Launch opens /create with the backtest’s settings; only the rest is asked', async () => {
    const carol = h.user(704);
    const launch = sent(carol).find((m) => m.buttons[0]?.startsWith('btl:'))!;
    await h.user(705).send('/start');
    await h.user(705).press(launch.buttons[0]!, launch.id);
    expect(lastAnswer()).toBe(FOREIGN_BUTTON_TEXT);

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
    expect(summary).toContain('Strategy: <b>trend_following</b> (fixed)');
    expect(summary).toContain('Mode: 📝 paper');
    await carol.press('f:sum:launch');
    const ownerId = (await h.hub.users.byTelegramId(704))!.id;
    const [agent] = await h.hub.agents.list(ownerId);
    expect(agent).toMatchObject({
      symbol: 'SOLUSDT',
      timeframe: '15m',
      amountUsdt: 1000,
      leverage: 3,
      tpPct: 3,
      slPct: 1.5,
      strategy: 'trend_following',
      liveMode: false,
      status: 'running',
    });
    await h.hub.lifecycle.stop(ownerId, agent!.id);
  });

  it('a live backtest launches through the paper-or-live question, which asks for the keys', async () => {
    const dave = h.user(706);
    await dave.send('/start');
    const { job } = await startRun(dave, '/backtest ETHUSDT 1h 7d mode=live');
    backtests.finish(job, backtestResult({ symbol: 'ETHUSDT', timeframe: '1h', liveMode: true, strategy: 'auto' }));
    await waitUntil(() => photosOf(dave).length === 2, 10_000, 'two images');
    const launch = sent(dave).find((m) => m.buttons[0]?.startsWith('btl:'))!;
    await dave.press(launch.buttons[0]!, launch.id);
    await dave.press('f:name:default');
    await dave.press('f:llm:none');
    expect(dave.lastText()).toContain('Paper trading or live money?');
    expect(dave.lastButtons()).toEqual(['f:live:paper', 'f:live:live']);
    await dave.press('f:live:live');
    expect(dave.texts().at(-2)).toContain('Live trading needs your own HashKey API key');
    await dave.send('/cancel');
  });
});

describe('/compare and /backtests', () => {
  it('/compare runs every strategy on the same bars: a ranked table and one image', async () => {
    const erin = h.user(707);
    await erin.send('/start');
    await erin.send('/compare');
    expect(erin.lastText()).toContain('Usage: /compare takes a symbol, a timeframe and a period');
    await erin.send('/compare ETHUSDT 1h 30d macd');
    expect(erin.lastText()).toContain('/compare runs every strategy on the same bars: leave "macd" out.');
    const { job, progressId } = await startRun(erin, '/compare ETHUSDT 1h 30d');
    expect(job.kind).toBe('compare');
    expect(job.params).not.toHaveProperty('strategy');
    expect(job.params).toMatchObject({ symbol: 'ETHUSDT', timeframe: '1h' });
    expect(sent(erin).at(-1)!.text).toMatch(/^🏁 <b>Compare<\/b> all 24 strategies · ETHUSDT 1h · 30 days\nDefaults: /);
    backtests.finish(job, comparisonResult({ symbol: 'ETHUSDT', timeframe: '1h' }));
    await waitUntil(() => photosOf(erin).length === 1, 10_000, 'the comparison image');
    expect(h.api.messageText(erin.chatId, progressId)).toContain('✅ Done');
    const [table, image] = sent(erin).slice(-2);
    expect(table!.text).toContain('🏁 <b>Compare</b> · ETHUSDT 1h');
    expect(table!.text).toMatch(/\n1 {2}momentum +\+30\.0%/);
    expect(table!.buttons).toEqual([]);
    expect(photoBytes(image!.call)).toEqual(PNG.compare);
    expect(fieldText(image!.call.payload.caption)).toContain('The 5 best equity curves against buy-and-hold');
  });

  it('/backtests lists the caller’s runs and sends one again from the store', async () => {
    const erin = h.user(707);
    await erin.send('/backtests');
    const list = sent(erin).at(-1)!;
    expect(list.text).toContain('🗂 <b>Your recent backtests</b>');
    expect(list.text).toContain('1. ETHUSDT 1h · all strategies');
    const [first] = list.buttons;
    expect(first).toBe(`bts:${b36(707)}:${backtests.records.find((r) => r.kind === 'compare')!.id}`);

    await h.user(708).send('/start');
    await h.user(708).press(first!, list.id);
    expect(lastAnswer()).toBe(FOREIGN_BUTTON_TEXT);
    const photos = photosOf(erin).length;
    await erin.press(first!, list.id);
    await waitUntil(() => photosOf(erin).length === photos + 1, 10_000, 'the image again');
    expect(sent(erin).at(-2)!.text).toContain('🏁 <b>Compare</b> · ETHUSDT 1h');

    await h.user(708).send('/backtests');
    expect(sent(h.user(708)).at(-1)!.text).toContain('You have no backtests yet');
  });
});
