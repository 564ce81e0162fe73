/**
 * Alerts end to end: hub events → router (preferences, owner's chat) → formatted HTML →
 * outbound queue → local Bot API stand-in; and the /alerts screen with its inline toggles.
 */
import { Api, Bot } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { escapeHtml, formatAlert, moreSummary, delayNote } from '../../src/bot/alert-format.js';
import { createManualClock } from '../support/manual-clock.js';
import type { BotContext } from '../../src/bot/context.js';
import { createAlertsFeature } from '../../src/bot/features/alerts.js';
import { createOutboundQueue } from '../../src/bot/outbound-queue.js';
import type { Orm } from '../../src/db/orm.js';
import { createAlertPreferences, type AlertPreferences } from '../../src/hub/alerts/alert-preferences.js';
import { alertTypeOf, createAlertRouter, type AlertMessage } from '../../src/hub/alerts/alert-router.js';
import { AlertLockedError } from '../../src/hub/alerts/errors.js';
import { createOutboxStore } from '../../src/hub/alerts/outbox-store.js';
import { HubEvents, type TradeEventData } from '../../src/hub/events.js';
import { createUserService, type UserService, type UserView } from '../../src/hub/users.js';
import { startBotApiServer, type BotApiServer } from '../support/bot-api-server.js';
import { createTestOrm } from '../support/db.js';

let orm: Orm;
let closeDb: () => Promise<void>;
let users: UserService;
let prefs: AlertPreferences;
let alice: UserView;
let bob: UserView;
let server: BotApiServer;

const AGENT = '0d5a3c1e-1111-4222-8333-444455556666';
const ref = (owner: UserView) => ({ agentId: AGENT, ownerId: owner.id, agentName: 'Momentum <BTC> & co' });
const trade = (owner: UserView, extra: Partial<TradeEventData> = {}): TradeEventData => ({
  ...ref(owner),
  tradeId: 't1',
  symbol: 'BTCUSDT',
  side: 'long' as const,
  qty: 0.015,
  price: 65_123.5,
  fees: 0.39,
  pnl: null,
  reason: 'signal',
  live: false,
  ...extra,
});

beforeAll(async () => {
  const t = await createTestOrm('alerts');
  orm = t.orm;
  closeDb = t.close;
  users = createUserService({ orm, accessMode: 'open', adminIds: [] });
  alice = (await users.register(5001, 'Alice')).user;
  bob = (await users.register(5002, 'Bob')).user;
  server = await startBotApiServer();
});

afterAll(async () => {
  await server.close();
  await closeDb();
});

beforeEach(async () => {
  server.reset();
  await orm.em.getConnection().execute('truncate outbound_messages, alert_preferences');
  prefs = createAlertPreferences({ orm });
});

function captureRouter() {
  const events = new HubEvents();
  const sent: AlertMessage[] = [];
  const router = createAlertRouter({ events, users, preferences: prefs, format: formatAlert, sink: { enqueue: (m) => sent.push(m) } });
  router.start();
  return { events, sent, router };
}

describe('alert formatting', () => {
  it('escapes agent names, reasons and log lines, and links the explorer', () => {
    const text = formatAlert({
      name: 'trade.closed',
      data: trade(alice, { pnl: -3.1, reason: 'sl', explorerUrl: 'https://explorer.example/tx/0xabc?a=1&b="2"' }),
    });
    expect(text).toContain('🛑 Stop-loss hit');
    expect(text).toContain('Momentum &lt;BTC&gt; &amp; co');
    expect(text).not.toContain('<BTC>');
    expect(text).toContain('−3.10 USDT');
    expect(text).toContain('<a href="https://explorer.example/tx/0xabc?a=1&amp;b=&quot;2&quot;">View on chain</a>');
    const crash = formatAlert({
      name: 'agent.crashed',
      data: { ...ref(alice), exitCode: 137, oom: true, reason: 'killed', lastLogs: ['<b>boom</b>', 'ok'], willRestart: true },
    });
    expect(crash).toContain('out of memory');
    expect(crash).toContain('<pre>&lt;b&gt;boom&lt;/b&gt;\nok</pre>');
    expect(formatAlert({ name: 'trade.opened', data: trade(alice, { explorerUrl: 'javascript:alert(1)' }) })).not.toContain('<a ');
  });

  it('formats the on-chain follow-up: escaped, linked only for http(s), hash shown without explorer', () => {
    const onchain = (explorerUrl: string | undefined) => ({
      name: 'trade.onchain' as const,
      data: {
        ...ref(alice),
        tradeId: 't1',
        symbol: 'BTC<USDT>',
        action: 'close' as const,
        side: 'long' as const,
        txHash: '0xabc',
        blockNumber: 12,
        explorerUrl,
      },
    });
    const text = formatAlert(onchain('https://testnet-explorer.hsk.xyz/tx/0xabc'));
    expect(text).toBe(
      '⛓ <b>Momentum &lt;BTC&gt; &amp; co</b> <code>0d5a3c1e</code> close LONG BTC&lt;USDT&gt; logged on HashKey Chain: <a href="https://testnet-explorer.hsk.xyz/tx/0xabc">tx</a>',
    );
    expect(formatAlert(onchain('javascript:alert(1)'))).not.toContain('<a ');
    expect(formatAlert(onchain(undefined))).toContain('logged on HashKey Chain: <code>0xabc</code>');
    expect(alertTypeOf(onchain(undefined))).toBe('trade.onchain');
    expect(moreSummary(['trade.onchain', 'trade.onchain'])).toBe('+2 more on-chain logs');
  });

  it('summarises merged alerts and delays', () => {
    expect(moreSummary(['trade.opened', 'trade.opened', 'trade.opened', 'trade.opened', 'trade.opened'])).toBe('+5 more fills');
    expect(moreSummary(['trade.opened', 'decision', 'trade.opened'])).toBe('+3 more: 2 fills, 1 decision');
    expect(delayNote(3 * 60_000 + 10_000)).toBe('⏱ delayed 3 min');
    expect(delayNote(150 * 60_000)).toBe('⏱ delayed 2 h 30 min');
    expect(escapeHtml('<a href="x">&</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });

  it('classifies TP/SL closes apart from other closes, failures as crashes', () => {
    expect(alertTypeOf({ name: 'trade.closed', data: trade(alice, { reason: 'tp' }) })).toBe('trade.tp_sl');
    expect(alertTypeOf({ name: 'trade.closed', data: trade(alice, { reason: 'SL hit' }) })).toBe('trade.tp_sl');
    expect(alertTypeOf({ name: 'trade.closed', data: trade(alice, { reason: 'signal' }) })).toBe('trade.closed');
    expect(alertTypeOf({ name: 'agent.failed', data: { ...ref(alice), reason: 'x' } })).toBe('agent.crash');
  });

  it('a close by liquidation is its own alert: liquidated, with the capped loss explained', () => {
    const event = { name: 'trade.closed' as const, data: trade(alice, { reason: 'liquidation', price: 58_612.1, pnl: -96.4 }) };
    expect(alertTypeOf(event)).toBe('liquidated');
    const text = formatAlert(event);
    expect(text.split('\n')).toEqual([
      '💥 Liquidated — <b>Momentum &lt;BTC&gt; &amp; co</b> <code>0d5a3c1e</code> 🟢 LONG BTCUSDT closed at its liquidation price',
      'Size <code>0.015</code> @ <code>58,612.1</code> USDT · fees 0.39 · paper',
      'PnL <b>−96.40 USDT</b>',
      'The price crossed the liquidation price: closed there, the loss is capped at the margin plus fees.',
    ]);
    expect(moreSummary(['liquidated', 'liquidated'])).toBe('+2 more liquidations');
  });
});

describe('alert routing and preferences', () => {
  it("tells the owner when the day's LLM budget on the server keys is spent", async () => {
    const { events, sent, router } = captureRouter();
    events.emit('llm.budget_spent', { ...ref(bob), usedTokens: 200_450, limitTokens: 200_000, resetsAt: '2026-12-04T00:00:00.000Z' });
    await router.stop();
    expect(sent).toEqual([
      {
        chatId: 5002,
        eventType: 'llm.budget',
        silent: false,
        text:
          "🧠 <b>Momentum &lt;BTC&gt; &amp; co</b> <code>0d5a3c1e</code>: today's 200,000 tokens on the server's LLM keys are used up (200,450). " +
          'Your agents plan with their rules until 00:00 UTC. Store a key of your own with /secrets to keep the LLM.',
      },
    ]);
  });

  it("tells the owner when an agent's own daily LLM budget is reached", async () => {
    const { events, sent, router } = captureRouter();
    events.emit('llm.agent_budget_spent', { ...ref(bob), spentUsd: 1.0042, budgetUsd: 1, resetsAt: '2026-12-04T00:00:00.000Z' });
    await router.stop();
    expect(sent).toEqual([
      {
        chatId: 5002,
        eventType: 'llm.agent_budget',
        silent: false,
        text:
          '🧠 <b>Momentum &lt;BTC&gt; &amp; co</b> <code>0d5a3c1e</code> reached its LLM budget of $1.00 a day ($1.00 spent). ' +
          'It plans with its rules until 00:00 UTC. /costs shows the figures; /edit changes the budget.',
      },
    ]);
  });

  it('routes an event to its owner only, with the default mode', async () => {
    const { events, sent, router } = captureRouter();
    events.emit('trade.opened', trade(alice));
    await router.stop();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ chatId: 5001, eventType: 'trade.opened', silent: false });
    expect(sent[0]!.text).toContain('opened 🟢 LONG BTCUSDT');
  });

  it('sends the on-chain follow-up silently by default, and not at all when turned off', async () => {
    const onchain = (owner: UserView) => ({
      ...ref(owner),
      tradeId: 't1',
      symbol: 'BTCUSDT',
      action: 'open' as const,
      side: 'short' as const,
      txHash: '0xabc',
      blockNumber: 12,
      explorerUrl: 'https://testnet-explorer.hsk.xyz/tx/0xabc',
    });
    await prefs.set(bob.id, 'trade.onchain', 'off');
    const { events, sent, router } = captureRouter();
    events.emit('trade.onchain', onchain(alice));
    events.emit('trade.onchain', onchain(bob));
    await router.stop();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ chatId: 5001, eventType: 'trade.onchain', silent: true });
    expect(sent[0]!.text).toContain('<a href="https://testnet-explorer.hsk.xyz/tx/0xabc">tx</a>');
  });

  it('drops alerts set to off, sends silent ones without notification', async () => {
    await prefs.set(alice.id, 'trade.opened', 'off');
    await prefs.set(alice.id, 'trade.closed', 'silent');
    const { events, sent, router } = captureRouter();
    events.emit('trade.opened', trade(alice));
    events.emit('trade.closed', trade(alice, { pnl: 5 }));
    events.emit('trade.opened', trade(bob)); // Bob's preferences are his own
    await router.stop();
    // Routes run concurrently (each looks up its owner's chat), so compare without order.
    expect(sent.map((m) => [m.chatId, m.eventType, m.silent]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [5001, 'trade.closed', true],
      [5002, 'trade.opened', false],
    ]);
  });

  it('routes a liquidation to its owner under the liquidated preference', async () => {
    await prefs.set(bob.id, 'liquidated', 'silent');
    await prefs.set(alice.id, 'trade.closed', 'off'); // ordinary closes off: the liquidation still comes
    const { events, sent, router } = captureRouter();
    events.emit('trade.closed', trade(alice, { reason: 'liquidation', pnl: -96.4 }));
    events.emit('trade.closed', trade(bob, { reason: 'liquidation', pnl: -96.4 }));
    await router.stop();
    expect(sent.map((m) => [m.chatId, m.eventType, m.silent]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [5001, 'liquidated', false],
      [5002, 'liquidated', true],
    ]);
    await prefs.set(alice.id, 'liquidated', 'off');
    const again = captureRouter();
    again.events.emit('trade.closed', trade(alice, { reason: 'liquidation', pnl: -96.4 }));
    await again.router.stop();
    expect(again.sent).toEqual([]);
  });

  it('refuses to turn crash alerts off; silent still delivers them', async () => {
    await expect(prefs.set(alice.id, 'agent.crash', 'off')).rejects.toBeInstanceOf(AlertLockedError);
    await prefs.set(alice.id, 'agent.crash', 'silent');
    const { events, sent, router } = captureRouter();
    events.emit('agent.crashed', { ...ref(alice), exitCode: 1, oom: false, reason: 'exit 1', lastLogs: [], willRestart: false });
    await router.stop();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ eventType: 'agent.crash', silent: true });
  });

  it('alerts an agent that stopped itself with its reason, as a crash/failure; never a stop the owner asked for, nor twice for a drawdown stop', async () => {
    const { events, sent, router } = captureRouter();
    events.emit('agent.stopped', { ...ref(alice), reason: 'engine error', cause: 'self', positionOpen: true });
    events.emit('agent.stopped', { ...ref(alice), reason: 'stopped by you', cause: 'owner', positionOpen: false });
    events.emit('agent.stopped', {
      ...ref(bob),
      reason: 'drawdown stop: loss 12.5% of capital ≥ 10% limit',
      cause: 'drawdown',
      positionOpen: false,
    });
    events.emit('drawdown.stop', { ...ref(bob), lossPct: 12.5, limitPct: 10 });
    await router.stop();
    expect(sent.map((m) => [m.chatId, m.eventType]).sort()).toEqual([
      [5001, 'agent.crash'],
      [5002, 'drawdown'],
    ]);
    const text = sent.find((m) => m.chatId === 5001)!.text;
    expect(text).toContain('⏹ <b>Momentum &lt;BTC&gt; &amp; co</b> <code>0d5a3c1e</code> stopped itself');
    expect(text).toContain('Reason: engine error');
    expect(text).toContain('Its position is still open');
    expect(formatAlert({ name: 'agent.stopped', data: { ...ref(alice), reason: 'x', cause: 'self', positionOpen: false } })).not.toContain(
      'position',
    );

    // Silenced crash alerts still come, without a sound.
    await prefs.set(alice.id, 'agent.crash', 'silent');
    const second = captureRouter();
    second.events.emit('agent.stopped', { ...ref(alice), reason: 'engine error', cause: 'self', positionOpen: false });
    await second.router.stop();
    expect(second.sent).toEqual([expect.objectContaining({ chatId: 5001, eventType: 'agent.crash', silent: true })]);
  });

  it('delivers through the real queue: silent → disable_notification, HTML parse mode', async () => {
    await prefs.set(alice.id, 'decision', 'silent');
    const clock = createManualClock();
    const queue = createOutboundQueue({ store: createOutboxStore({ orm }), api: new Api('1:test', { apiRoot: server.apiRoot }), clock });
    await queue.start();
    const events = new HubEvents();
    const router = createAlertRouter({ events, users, preferences: prefs, format: formatAlert, sink: queue });
    router.start();
    events.emit('decision.made', { ...ref(alice), action: 'CLOSE', strategy: 'rsi', confidence: 0.82, reasoning: 'RSI > 70 & falling' });
    events.emit('drawdown.stop', { ...ref(bob), lossPct: 12.5, limitPct: 10 });
    await router.stop();
    while ((await queue.settled(), queue.stats().waiting > 0)) clock.runNext();
    await queue.stop(1000);
    const calls = server.succeeded('sendMessage');
    expect(calls.map((c) => [c.chatId, c.payload.disable_notification, c.payload.parse_mode])).toEqual(
      expect.arrayContaining([
        ['5001', true, 'HTML'],
        ['5002', false, 'HTML'],
      ]),
    );
    expect(String(calls.find((c) => c.chatId === '5001')!.payload.text)).toContain('RSI &gt; 70 &amp; falling');
  });
});

describe('/alerts screen', () => {
  const botInfo: UserFromGetMe = {
    id: 1,
    is_bot: true,
    first_name: 'Artic',
    username: 'artic_test_bot',
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
  } as UserFromGetMe;
  let updateId = 1;

  function makeBot(): Bot<BotContext> {
    const bot = new Bot<BotContext>('1:test', { botInfo, client: { apiRoot: server.apiRoot } });
    bot.use(async (ctx, next) => {
      ctx.trader = ctx.from?.id === 5001 ? alice : ctx.from?.id === 5002 ? bob : undefined;
      await next();
    });
    bot.use(createAlertsFeature({ preferences: prefs }));
    return bot;
  }

  const from = (id: number) => ({ id, is_bot: false, first_name: 'T' });
  const command = (id: number, text: string): Update => ({
    update_id: updateId++,
    message: {
      message_id: updateId,
      date: 1,
      chat: { id, type: 'private', first_name: 'T' },
      from: from(id),
      text,
      entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }],
    },
  });
  const press = (id: number, messageId: number, data: string): Update => ({
    update_id: updateId++,
    callback_query: {
      id: String(updateId),
      from: from(id),
      chat_instance: 'c',
      data,
      message: { message_id: messageId, date: 1, chat: { id, type: 'private', first_name: 'T' }, text: 'x' },
    },
  });

  it('shows every alert type with on/silent/off buttons and toggles in place', async () => {
    const bot = makeBot();
    await bot.handleUpdate(command(5001, '/alerts'));
    const [shown] = server.succeeded('sendMessage');
    expect(String(shown!.payload.text)).toContain('Trade opened — <b>on</b>');
    const keyboard = (shown!.payload.reply_markup as { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> })
      .inline_keyboard;
    expect(String(shown!.payload.text)).toContain('On-chain log — <b>silent</b>');
    expect(keyboard).toHaveLength(12);
    expect(String(shown!.payload.text)).toContain('Liquidation — <b>on</b>');
    expect(String(shown!.payload.text)).toContain('Agent LLM budget reached — <b>on</b>');
    expect(keyboard[11]![0]!.callback_data).toBe('al:info:llm.agent_budget');
    expect(keyboard[10]!.map((b) => b.callback_data)).toEqual([
      'al:info:liquidated',
      'al:set:liquidated:on',
      'al:set:liquidated:silent',
      'al:set:liquidated:off',
    ]);
    expect(keyboard[3]!.map((b) => b.callback_data)).toEqual([
      'al:info:trade.onchain',
      'al:set:trade.onchain:on',
      'al:set:trade.onchain:silent',
      'al:set:trade.onchain:off',
    ]);
    expect(keyboard[0]!.map((b) => b.callback_data)).toEqual([
      'al:info:trade.opened',
      'al:set:trade.opened:on',
      'al:set:trade.opened:silent',
      'al:set:trade.opened:off',
    ]);

    await bot.handleUpdate(press(5001, 1, 'al:set:trade.opened:silent'));
    expect((await prefs.all(alice.id))['trade.opened']).toBe('silent');
    const [edit] = server.succeeded('editMessageText');
    expect(edit!.payload.message_id).toBe(1);
    expect(String(edit!.payload.text)).toContain('Trade opened — <b>silent</b>');
    expect(server.succeeded('answerCallbackQuery')).toHaveLength(1);
    // Bob's settings did not move.
    expect((await prefs.all(bob.id))['trade.opened']).toBe('on');
  });

  it('says crashes cannot be turned off when off is pressed, and keeps the mode', async () => {
    const bot = makeBot();
    await bot.handleUpdate(command(5001, '/alerts'));
    await bot.handleUpdate(press(5001, 1, 'al:set:agent.crash:off'));
    const [answer] = server.succeeded('answerCallbackQuery');
    expect(answer!.payload.show_alert).toBe(true);
    expect(String(answer!.payload.text)).toMatch(/can't be turned off — only silenced/);
    expect(server.callsTo('editMessageText')).toHaveLength(0);
    expect((await prefs.all(alice.id))['agent.crash']).toBe('on');
  });

  it('sets a mode by command and refuses bad arguments', async () => {
    const bot = makeBot();
    await bot.handleUpdate(command(5002, '/alerts decision off'));
    await bot.handleUpdate(command(5002, '/alerts agent.crash off'));
    await bot.handleUpdate(command(5002, '/alerts nonsense on'));
    const texts = server.succeeded('sendMessage').map((c) => String(c.payload.text));
    expect(texts[0]).toContain('Supervisor decision alerts: <b>off</b>');
    expect(texts[1]).toMatch(/can't be turned off/);
    expect(texts[2]).toContain('Usage: /alerts');
    expect((await prefs.all(bob.id)).decision).toBe('off');
  });
});
