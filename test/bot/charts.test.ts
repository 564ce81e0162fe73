/**
 * Chart images in chat through the Bot API stand-in, over a real hub (its render worker, the
 * simulated market, PostgreSQL): /chart and /equity send a PNG with sendPhoto, scoped to the
 * caller's agents; bad input gets a specific answer; /timezone sets the zone chart times are
 * written in; trade alerts carry a 📈 Chart button that sends the chart.
 */
import { Api } from 'grammy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertButtons } from '../../src/bot/alert-buttons.js';
import { formatAlert } from '../../src/bot/alert-format.js';
import { createChartsFeature } from '../../src/bot/features/charts.js';
import { createOutboundQueue } from '../../src/bot/outbound-queue.js';
import { mergedButtons } from '../../src/bot/outbound/merge-text.js';
import type { AgentView } from '../../src/hub/agents/agent-view.js';
import type { AlertMessage } from '../../src/hub/alerts/alert-router.js';
import type { TradeEventData } from '../../src/hub/events.js';
import { fieldText, type BotApiCall } from '../support/bot-api-server.js';
import { BOT_TOKEN, createBotHarness, type BotHarness, type TestUser } from '../support/bot-harness.js';
import { brightnessVariance, decodePng, pngSize } from '../support/png.js';

let h: BotHarness;
let alice: TestUser;
let bob: TestUser;
let aliceId: string;
let agent: AgentView;

const HOUR = 3_600_000;

/** A trade row of `agentId`, opened `hoursAgo` and closed `heldHours` later (or still open when null). */
async function insertTrade(agentId: string, key: string, hoursAgo: number, heldHours: number | null, pnl: number): Promise<void> {
  const openedAt = new Date(Date.now() - hoursAgo * HOUR);
  const closedAt = heldHours === null ? null : new Date(openedAt.getTime() + heldHours * HOUR);
  await h.orm.em.getConnection().execute(
    `insert into trades (id, agent_id, side, qty, leverage, margin, entry_price, exit_price, liquidation_price, fees, pnl, status,
       close_reason, live, opened_at, closed_at, exchange_order_ids, idempotency_key)
     values (?, ?, 'long', 0.01, 5, 100, 100, ?, 80, 0.1, ?, ?, ?, false, ?, ?, '[]', ?)`,
    [
      crypto.randomUUID(),
      agentId,
      closedAt ? 100 + pnl : null,
      closedAt ? pnl : null,
      closedAt ? 'closed' : 'open',
      closedAt ? 'signal' : null,
      openedAt,
      closedAt,
      key,
    ],
  );
}

/** The photos the bot sent to `user`'s chat. */
function photos(user: TestUser) {
  return h.api.succeeded('sendPhoto').filter((c) => c.chatId === String(user.chatId));
}

/** The PNG a sendPhoto call carried (grammY sends `photo=attach://<part>` and the file as that part). */
function photoOf(call: BotApiCall): Buffer {
  const part = fieldText(call.payload.photo).replace('attach://', '');
  return (call.payload[part] as { data: Buffer }).data;
}

function expectChartPng(call: BotApiCall): void {
  const png = photoOf(call);
  expect(pngSize(png)).toEqual({ width: 1280, height: 720 });
  expect(brightnessVariance(decodePng(png))).toBeGreaterThan(100);
}

const captionOf = (call: BotApiCall | undefined) => fieldText(call?.payload.caption);

beforeAll(async () => {
  h = await createBotHarness({
    env: { ACCESS_MODE: 'open', ADMIN_TELEGRAM_IDS: '801' },
    extraFeatures: (hub) => [createChartsFeature({ charts: hub.charts, users: hub.users })],
  });
  alice = h.user(801);
  bob = h.user(802);
  await alice.send('/start');
  await bob.send('/start');
  aliceId = (await h.hub.users.byTelegramId(801))!.id;
  agent = await h.hub.agents.create(aliceId, { symbol: 'BTCUSDT', amountUsdt: 1000, name: 'btc-bot', tpPct: 2, slPct: 1 });
  await h.hub.agents.create(aliceId, { symbol: 'ETHUSDT', amountUsdt: 500, name: 'eth-idle' });
  await insertTrade(agent.id, 'c-1', 40, 3, 12.5);
  await insertTrade(agent.id, 'c-2', 30, 2, -20);
  await insertTrade(agent.id, 'c-3', 5, null, 0);
}, 60_000);
afterAll(async () => h?.close());

describe('/chart', () => {
  it('sends a 1280×720 PNG of the agent with a caption: name, symbol, interval, trades, time zone', async () => {
    await alice.send('/chart btc-bot');
    const [photo] = photos(alice);
    expect(photo).toBeDefined();
    expectChartPng(photo!);
    const caption = captionOf(photo!);
    expect(caption).toContain('📈 btc-bot · BTCUSDT · 15m');
    expect(caption).toMatch(/\d+ bars, 3 trades · times in UTC/);
    expect(caption).toContain('simulated prices');
    expect(h.api.callsTo('sendChatAction').at(-1)!.payload.action).toBe('upload_photo');
  }, 60_000);

  it('takes an interval (any case) and refuses one that is not a chart interval, with the list and an example', async () => {
    await alice.send('/chart btc-bot 1H');
    expect(captionOf(photos(alice).at(-1)!)).toContain('btc-bot · BTCUSDT · 1h');
    const before = photos(alice).length;
    await alice.send('/chart btc-bot 2h');
    expect(alice.lastText()).toBe(
      '⚠️ "2h" is not a chart interval. Use one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, for example /chart btc-bot 1h.',
    );
    await alice.send('/chart');
    expect(alice.lastText()).toContain('Send /chart <agent> [interval], for example /chart btc-bot');
    expect(photos(alice)).toHaveLength(before);
  }, 60_000);

  it("answers another user's agent like a missing one, by name or by id", async () => {
    await bob.send('/chart btc-bot');
    expect(bob.lastText()).toBe('⚠️ No agent matches "btc-bot". Send /agents to see yours.');
    await bob.send(`/chart ${agent.id}`);
    expect(bob.lastText()).toBe(`⚠️ No agent matches "${agent.id}". Send /agents to see yours.`);
    expect(photos(bob)).toEqual([]);
  });
});

describe('/equity', () => {
  it('sends the equity of all the caller’s agents, or of one', async () => {
    await alice.send('/equity');
    const all = photos(alice).at(-1)!;
    expectChartPng(all);
    expect(captionOf(all)).toBe(
      '💰 Equity of all your agents: 1,500.00 → 1,492.50 USDT (−0.50 %)\nMax drawdown 1.32 % · 2 closed trades · times in UTC',
    );
    await alice.send('/equity btc-bot');
    expect(captionOf(photos(alice).at(-1)!)).toContain('💰 Equity of btc-bot: 1,000.00 → 992.50 USDT (−0.75 %)');
  }, 60_000);

  it('says plainly when there is nothing to draw, and scopes to the caller', async () => {
    await alice.send('/equity eth-idle');
    expect(alice.lastText()).toBe('⚠️ No closed trades for eth-idle yet: no equity to draw.');
    await bob.send('/equity');
    expect(bob.lastText()).toBe('⚠️ You have no agents yet: /create makes one.');
    await bob.send('/equity btc-bot');
    expect(bob.lastText()).toBe('⚠️ No agent matches "btc-bot". Send /agents to see yours.');
    expect(photos(bob)).toEqual([]);
  });
});

describe('/timezone', () => {
  it('refuses a name Intl does not know, with examples; stores a known one; charts then say it', async () => {
    await alice.send('/timezone');
    expect(alice.lastText()).toContain('Chart times are in UTC (not set).');
    await alice.send('/timezone Berlin');
    expect(alice.lastText()).toBe(
      '⚠️ "Berlin" is not a time zone I know. Send an IANA name, for example /timezone Europe/Berlin, /timezone America/New_York or /timezone UTC.',
    );
    await alice.send('/timezone europe/berlin');
    expect(alice.lastText()).toBe('🕒 Chart times are now in Europe/Berlin.');
    expect((await h.hub.users.byId(aliceId))!.timezone).toBe('Europe/Berlin');
    await alice.send('/chart btc-bot');
    expect(captionOf(photos(alice).at(-1)!)).toContain('times in Europe/Berlin');
    await alice.send('/timezone UTC');
    expect(alice.lastText()).toBe('🕒 Chart times are now in UTC.');
  }, 60_000);
});

describe('📈 Chart button on trade alerts', () => {
  const tradeEvent = (): TradeEventData => ({
    agentId: agent.id,
    ownerId: aliceId,
    agentName: agent.name,
    tradeId: crypto.randomUUID(),
    symbol: 'BTCUSDT',
    side: 'long',
    qty: 0.01,
    price: 100,
    fees: 0.1,
    pnl: null,
    reason: 'signal',
    live: false,
  });

  it('trade alerts (and only they) carry the button; the queue sends it as an inline keyboard', async () => {
    const opened = tradeEvent();
    expect(alertButtons({ name: 'trade.opened', data: opened })).toEqual([
      { text: '📈 Chart', data: `ch:${agent.id}`, scope: 'btc-bot' },
      { text: '🤔 Why?', data: `why:${opened.tradeId}`, scope: 'btc-bot open 100' },
    ]);
    const closed = { ...tradeEvent(), pnl: 3 };
    expect(alertButtons({ name: 'trade.closed', data: closed })).toEqual([
      { text: '📈 Chart', data: `ch:${agent.id}`, scope: 'btc-bot' },
      { text: '🤔 Why?', data: `why:${closed.tradeId}`, scope: 'btc-bot close 100' },
    ]);
    expect(
      alertButtons({ name: 'drawdown.stop', data: { agentId: agent.id, ownerId: aliceId, agentName: 'x', lossPct: 1, limitPct: 1 } }),
    ).toEqual([]);

    const queue = createOutboundQueue({ store: h.hub.alerts.outbox, api: new Api(BOT_TOKEN, { apiRoot: h.api.apiRoot }) });
    const routed: AlertMessage[] = [];
    const router = h.hub.alerts.createRouter({
      format: formatAlert,
      buttons: alertButtons,
      sink: { enqueue: (m: AlertMessage) => (routed.push(m), queue.enqueue(m)) },
    });
    await queue.start();
    router.start();
    const event = tradeEvent();
    h.hub.events.emit('trade.opened', event);
    await router.stop();
    await queue.settled();
    await queue.stop();
    expect(routed).toEqual([
      expect.objectContaining({
        chatId: 801,
        buttons: [
          { text: '📈 Chart', data: `ch:${agent.id}`, scope: 'btc-bot' },
          { text: '🤔 Why?', data: `why:${event.tradeId}`, scope: 'btc-bot open 100' },
        ],
      }),
    ]);
    const alert = h.api.succeeded('sendMessage').find((c) => c.chatId === '801' && fieldText(c.payload.text).includes('opened'));
    expect(alert!.payload.reply_markup).toEqual({
      inline_keyboard: [
        [{ text: '📈 Chart', callback_data: `ch:${agent.id}` }],
        [{ text: '🤔 Why?', callback_data: `why:${event.tradeId}` }],
      ],
    });
  });

  it('pressing it sends that agent’s chart; another user pressing it gets "not found" and no photo', async () => {
    const before = photos(alice).length;
    await alice.press(`ch:${agent.id}`);
    expect(photos(alice)).toHaveLength(before + 1);
    expectChartPng(photos(alice).at(-1)!);
    expect(captionOf(photos(alice).at(-1)!)).toContain('btc-bot · BTCUSDT · 15m');

    await bob.press(`ch:${agent.id}`);
    const answer = h.api.callsTo('answerCallbackQuery').at(-1)!;
    expect(answer.payload).toMatchObject({ show_alert: true, text: `No agent matches "${agent.id}". Send /agents to see yours.` });
    expect(photos(bob)).toEqual([]);
  }, 60_000);

  it('keeps buttons across a restart (outbox) and merges them once each, naming the agent when alike', async () => {
    const [id] = await h.hub.alerts.outbox.addMany([
      {
        chatId: 1,
        eventType: 'trade.opened',
        text: 'x',
        silent: false,
        buttons: [{ text: '📈 Chart', data: 'ch:a', scope: 'a' }],
        createdAt: new Date(),
      },
    ]);
    const stored = (await h.hub.alerts.outbox.pending()).find((m) => m.id === id)!;
    expect(stored.buttons).toEqual([{ text: '📈 Chart', data: 'ch:a', scope: 'a' }]);
    await h.hub.alerts.outbox.markSent([id!], new Date());

    const chart = (scope: string) => ({ text: '📈 Chart', data: `ch:${scope}`, scope });
    expect(mergedButtons([{ buttons: [chart('a')] }, { buttons: [chart('a')] }, {}])).toEqual([chart('a')]);
    expect(mergedButtons([{ buttons: [chart('a')] }, { buttons: [chart('b')] }])).toEqual([
      { ...chart('a'), text: '📈 Chart · a' },
      { ...chart('b'), text: '📈 Chart · b' },
    ]);
  });
});
