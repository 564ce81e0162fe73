/**
 * The analytics commands through the real bot and hub (Bot API stand-in, real PostgreSQL): the
 * figures of the hand-made trades (test/hub/analytics/fixtures.ts), the period tables and their
 * Refresh, the leaderboard's privacy and opt-in, scoping to the caller's agents and bad input.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSchema } from '../../src/db/entities/index.js';
import type { AgentView } from '../../src/hub/agents/agent-view.js';
import { HAND_TRADES } from '../hub/analytics/fixtures.js';
import { createBotHarness, type BotHarness, type TestUser } from '../support/bot-harness.js';
import { seedTrades } from '../support/seed-trades.js';

let h: BotHarness;
let alice: TestUser;
let bob: TestUser;
let aliceId: string;
let bobId: string;
let btc: AgentView;
let eth: AgentView;
/** The Refresh button's data for `asker` (src/bot/owned-callback.ts: ids and counts in base 36). */
const refresh = (asker: number, unit: string, count: number, agentId = '*') =>
  `pd:${asker.toString(36)}:${unit}:${count.toString(36)}:${agentId}`;
const NOT_FOUND = (ref: string) => `⚠️ No agent matches "${ref}". Send /agents to see yours.`;

beforeAll(async () => {
  h = await createBotHarness({ env: { ACCESS_MODE: 'open', ADMIN_TELEGRAM_IDS: '777' } });
  alice = h.user(731);
  bob = h.user(732);
  await alice.send('/start');
  await bob.send('/start');
  aliceId = (await h.hub.users.byTelegramId(731))!.id;
  bobId = (await h.hub.users.byTelegramId(732))!.id;
  // The harness clock: 2026-11-30 12:00 UTC. btc-bot holds the hand-made trades on 1000 USDT.
  btc = await h.hub.agents.create(aliceId, { symbol: 'BTCUSDT', amountUsdt: 1000, name: 'btc-bot', strategy: 'breakout' });
  eth = await h.hub.agents.create(aliceId, { symbol: 'ETHUSDT', amountUsdt: 400, name: 'eth bot' });
  await seedTrades(h.orm, [
    ...HAND_TRADES.map((t) => ({
      agentId: btc.id,
      pnl: t.pnl,
      fees: t.fees,
      openedAt: t.openedAt,
      closedAt: t.closedAt,
      closeReason: t.closeReason,
    })),
    { agentId: eth.id, pnl: 10, fees: 0.2, closedAt: new Date('2026-11-29T10:00:00Z'), closeReason: 'force exit' },
  ]);
});
afterAll(async () => h?.close());

const sentSince = (before: number, chatId: string) =>
  h.api
    .succeeded('sendMessage')
    .slice(before)
    .filter((c) => c.chatId === chatId)
    .map((c) => String(c.payload.text));

describe('/profit', () => {
  it('shows every figure of one agent as computed by hand', async () => {
    await alice.send('/profit btc-bot');
    // test/hub/analytics/trade-stats.test.ts: 60 on 1000, 2 of 5 won, PF 130/70, expectancy 12,
    // 1.7 h average, best +80, worst −40, drawdown 40 of a 1100 peak, fees 7
    expect(alice.lastText()).toBe(
      [
        '💰 <b>Profit</b> · btc-bot · all time',
        'Realised PnL: <b>+60.00 USDT</b> · ROI +6.00% on capital 1,000 USDT',
        'Trades: 5 · win rate 40% (2 won, 2 lost, 1 even)',
        'Profit factor: 1.86 · expectancy +12.00 USDT per trade',
        'Average duration: 1h 42m',
        'Best: +80.00 USDT (btc-bot, 2026-11-04)',
        'Worst: −40.00 USDT (btc-bot, 2026-11-05)',
        'Max drawdown: 40.00 USDT (3.64%)',
        'Fees paid: 7.00 USDT',
      ].join('\n'),
    );
  });

  it('covers all the caller’s agents, or a window of days; a name may hold spaces', async () => {
    await alice.send('/profit');
    // + eth bot's +10 on 400: 70 on 1400 = 5 %, 3 of 6 won
    expect(alice.lastText()).toContain('Realised PnL: <b>+70.00 USDT</b> · ROI +5.00% on capital 1,400 USDT');
    expect(alice.lastText()).toContain('Trades: 6 · win rate 50%');
    await alice.send('/profit 3');
    expect(alice.lastText()).toContain('💰 <b>Profit</b> · all agents · last 3 days');
    expect(alice.lastText()).toContain('Trades: 1 · win rate 100%');
    await alice.send('/profit eth bot 30d');
    expect(alice.lastText()).toContain('💰 <b>Profit</b> · eth bot · last 30 days');
    expect(alice.lastText()).toContain('ROI +2.50% on capital 400 USDT');
    await alice.send('/profit btc-bot 1');
    expect(alice.lastText()).toBe('💰 <b>Profit</b> · btc-bot · last 1 day\nNo closed trades yet (capital 1,000 USDT).');
  });

  it('says what to type when the number of days is wrong', async () => {
    for (const bad of ['0', '2.5', '-3', '99999']) {
      await alice.send(`/profit btc-bot ${bad}`);
      expect(alice.lastText()).toBe(
        '⚠️ The number of days must be a whole number from 1 to 3650, e.g. /profit btc-bot 30 (or /profit 30 for all your agents).',
      );
    }
  });
});

describe('/stats and /performance', () => {
  it('/stats breaks the figures down by close reason', async () => {
    await alice.send('/stats btc-bot');
    const text = alice.lastText();
    expect(text).toContain('📊 <b>By close reason</b> · btc-bot · all time · ROI on 1,000 USDT capital');
    expect(text).toContain('🎯 <b>take-profit</b> · 1 trade · win rate 100%\nPnL +50.00 USDT (ROI +5.00%) · PF ∞ · expectancy +50.00');
    expect(text).toContain('🛑 <b>stop-loss</b> · 1 trade · win rate 0%\nPnL −30.00 USDT (ROI −3.00%) · PF 0.00');
    expect(text).toContain('📶 <b>signal</b> · 1 trade');
    expect(text).toContain('📉 <b>drawdown stop</b> · 1 trade');
    expect(text).toContain('✋ <b>manual</b> · 1 trade · win rate 0%\nPnL 0.00 USDT (ROI 0.00%) · PF —');
    expect(text).not.toContain('force exit');
    await alice.send('/stats');
    expect(alice.lastText()).toContain('⏏️ <b>force exit</b> · 1 trade · win rate 100%');
  });

  it('/performance shows PnL by symbol and by strategy', async () => {
    const before = h.api.succeeded('sendMessage').length;
    await alice.send('/performance');
    const [bySymbol, byStrategy] = sentSince(before, '731');
    expect(bySymbol).toContain(
      '<b>By symbol</b>\n<pre>Symbol  PnL USDT Trades Win %\nBTCUSDT   +60.00      5   40%\nETHUSDT   +10.00      1  100%</pre>',
    );
    expect(byStrategy).toContain(
      '<pre>Strategy PnL USDT Trades Win %\nbreakout   +60.00      5   40%\nauto       +10.00      1  100%</pre>',
    );
  });
});

describe('/daily, /weekly, /monthly', () => {
  it('prints a monospace table; Refresh redraws it in place and "not modified" is ignored', async () => {
    await alice.send('/daily');
    const tableId = h.api.succeeded('sendMessage').filter((c) => c.chatId === '731').length;
    const text = alice.lastText();
    expect(text).toContain(
      '📅 <b>Daily PnL</b> · all agents · UTC\n<pre>Day        PnL USDT Trades Win %\n2026-11-30     0.00      0     —\n2026-11-29   +10.00      1  100%',
    );
    expect(text).toContain('2026-11-24     0.00      0     —\nTotal        +10.00      1  100%</pre>');
    expect(alice.lastButtons()).toEqual([refresh(731, 'd', 7)]);

    await seedTrades(h.orm, [{ agentId: btc.id, pnl: -4.5, closedAt: new Date('2026-11-30T09:00:00Z') }]);
    await alice.press(refresh(731, 'd', 7), tableId);
    const edit = h.api.succeeded('editMessageText').at(-1)!;
    expect(Number(edit.payload.message_id)).toBe(tableId);
    expect(String(edit.payload.text)).toContain('2026-11-30    −4.50      1    0%');
    expect(h.api.callsTo('answerCallbackQuery').at(-1)!.payload.text).toBe('Refreshed');

    const refused = () => h.api.callsTo('editMessageText').filter((c) => c.status === 400).length;
    const before = refused();
    await alice.press(refresh(731, 'd', 7), tableId);
    expect(refused()).toBe(before + 1); // "message is not modified", and nothing more
    expect(h.api.callsTo('answerCallbackQuery').at(-1)!.payload.text).toBe('Refreshed');
    expect(h.logs.join('\n')).not.toContain('update handler failed');
  });

  it('weekly and monthly tables, for one agent with its id on the button', async () => {
    await alice.send('/weekly btc-bot 2');
    expect(alice.lastText()).toContain(
      '<pre>Week of    PnL USDT Trades Win %\n2026-11-30    −4.50      1    0%\n2026-11-23     0.00      0     —\nTotal         −4.50      1    0%</pre>',
    );
    expect(alice.lastButtons()).toEqual([refresh(731, 'w', 2, btc.id)]);
    await alice.send('/monthly 2');
    // November: 60 − 4.5 + 10 = 65.5 over 7 trades, 3 won (43 %)
    expect(alice.lastText()).toContain('2026-11   +65.50      7   43%\n2026-10     0.00      0     —');
  });

  it('says what to type for a bad count', async () => {
    await alice.send('/daily 61');
    expect(alice.lastText()).toBe(
      '⚠️ The number of days must be a whole number from 1 to 60, e.g. /daily 7 (or /daily btc-bot 7 for one agent).',
    );
    await alice.send('/monthly btc-bot 0');
    expect(alice.lastText()).toBe(
      '⚠️ The number of months must be a whole number from 1 to 36, e.g. /monthly 6 (or /monthly btc-bot 6 for one agent).',
    );
  });
});

describe('scoping', () => {
  it("another user's agent answers exactly like a missing one, for every command and the Refresh button", async () => {
    for (const command of [
      '/profit btc-bot',
      '/profit btc-bot 30',
      '/stats btc-bot',
      '/daily btc-bot',
      '/weekly btc-bot 4',
      '/performance btc-bot',
      '/optin btc-bot',
      '/optout btc-bot',
    ]) {
      await bob.send(command);
      expect(bob.lastText()).toBe(NOT_FOUND('btc-bot'));
    }
    await bob.send(`/profit ${btc.shortId}`);
    expect(bob.lastText()).toBe(NOT_FOUND(btc.shortId));
    await bob.send('/profit nosuch');
    expect(bob.lastText()).toBe(NOT_FOUND('nosuch'));
    const answered = () => h.api.callsTo('answerCallbackQuery').at(-1)!.payload.text;
    // bob's own button naming alice's agent (forged), alice's button pressed by bob, and junk
    await bob.press(refresh(732, 'd', 7, btc.id));
    expect(answered()).toBe('That agent does not exist (any more).');
    await bob.press(refresh(731, 'd', 7, btc.id));
    expect(answered()).toBe('These buttons belong to another user’s message. Send the command yourself to get your own.');
    for (const junk of ['pd:kb:d:0:*', 'pd:kb:x:7:*', 'pd:kb:d:7:not-an-id', 'pd:kb:d:7']) {
      await bob.press(junk);
      expect(answered()).toBe('This button is out of date. Send the command again.');
    }
    await bob.send('/profit');
    expect(bob.lastText()).toBe('💰 <b>Profit</b> · all agents · all time\nNo closed trades yet (capital 0 USDT).');
  });
});

describe('/leaderboard', () => {
  it('lists only opted-in paper agents, by name, never their owners', async () => {
    await alice.send('/leaderboard');
    expect(alice.lastText()).toBe(
      '🏆 <b>Leaderboard</b> · paper agents whose owners opted in, by ROI\nNo agent has joined yet. Add yours with /optin &lt;agent&gt;; /optout takes it off.',
    );
    await alice.send('/optin btc-bot');
    expect(alice.lastText()).toContain('🏆 <b>btc-bot</b> is on the /leaderboard');
    const bobBot = await h.hub.agents.create(bobId, { symbol: 'BTCUSDT', amountUsdt: 100, name: 'bob-bot' });
    await seedTrades(h.orm, [
      { agentId: bobBot.id, pnl: 10, closedAt: new Date('2026-11-20T00:00:00Z') },
      { agentId: bobBot.id, pnl: 22, closedAt: new Date('2026-11-22T00:00:00Z') },
    ]);
    await bob.send('/optin bob-bot');
    await bob.send('/leaderboard');
    const board = bob.lastText();
    // bob-bot: 32 on 100, no loss, Sharpe √365 (returns 0.1, 0, 0.2: test/hub/analytics/ratios.test.ts);
    // btc-bot: 60 − 4.5 = 55.5 on 1000, 2 of 6 won, drawdown 44.5 from the 1100 peak (4.05 %)
    expect(board).toContain('<pre># Agent       ROI  Win MaxDD Sharpe\n1 bob-bot +32.00% 100%  0.0%  19.10\n2 btc-bot  +5.55%  33%  4.0%');
    for (const secret of [aliceId, bobId, 'Trader731', 'trader731', 'Trader732', 'trader732']) expect(board).not.toContain(secret);
    expect(board).not.toMatch(/\b73[12]\b/);
  });

  it('refuses a live agent, and opts out one agent or all', async () => {
    await h.orm.em.getConnection().execute('update agents set live_mode = true where id = ?', [eth.id]);
    await alice.send('/optin eth bot');
    expect(alice.lastText()).toBe('⚠️ <b>eth bot</b> trades live: only paper agents take part in the leaderboard.');
    await alice.send('/optout btc-bot');
    expect(alice.lastText()).toBe('<b>btc-bot</b> is off the leaderboard.');
    await alice.send('/leaderboard');
    expect(alice.lastText()).not.toContain('btc-bot');
    await alice.send('/optout');
    expect(alice.lastText()).toBe('None of your agents is on the leaderboard.');
    await bob.send('/optout');
    expect(bob.lastText()).toBe('Taken off the leaderboard: bob-bot.');
  });

  it('pages a long board below 4096 characters, never cutting a row', async () => {
    const em = h.orm.em.fork() as EntityManager;
    for (let i = 0; i < 150; i++) {
      em.create(AgentSchema, {
        owner: bobId,
        name: `paper-agent-${String(i).padStart(3, '0')}`,
        symbol: 'BTCUSDT',
        amountUsdt: 100,
        leaderboardOptIn: true,
      });
    }
    await em.flush();
    const before = h.api.succeeded('sendMessage').length;
    await bob.send('/leaderboard');
    const pages = sentSince(before, '732');
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) {
      expect(page.length).toBeLessThan(4096);
      expect(page).toMatch(/<pre>[^]*<\/pre>/);
    }
    const rows = pages.join('\n').match(/paper-agent-\d{3}/g) ?? [];
    expect(new Set(rows).size).toBe(150);
  });

  it('bad input: /optin needs an agent, /leaderboard takes none', async () => {
    await alice.send('/optin');
    expect(alice.lastText()).toBe('⚠️ Name the agent to show on the leaderboard, e.g. /optin btc-bot (see /agents).');
    await alice.send('/leaderboard now');
    expect(alice.lastText()).toBe('⚠️ /leaderboard takes no argument: send just /leaderboard.');
  });
});

describe('/help', () => {
  it('lists the analytics commands', async () => {
    await alice.send('/help');
    const help = alice.lastText();
    for (const command of ['profit', 'stats', 'daily', 'weekly', 'monthly', 'performance', 'leaderboard', 'optin', 'optout']) {
      expect(help).toContain(`/${command} — `);
    }
    expect(help).toContain('/optin &lt;agent&gt;');
  });
});
