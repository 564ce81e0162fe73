/**
 * /trades (paging in place), /trade (prefix, the decision behind it, chain link), /export (CSV
 * read back to exactly the seeded trades) and /agents Refresh, through the real bot and hub over
 * the Bot API stand-in and real PostgreSQL. Trades are seeded as rows with known values.
 */
import { readFileSync } from 'node:fs';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_COLUMNS } from '../../src/bot/features/trade-export.js';
import { FOREIGN_BUTTON_TEXT } from '../../src/bot/owned-callback.js';
import type { AgentView } from '../../src/hub/agents/agent-view.js';
import { tradeChainRecord } from '../../src/hub/broker/trade-detail.js';
import { enqueueChainEntry, settleEntries } from '../../src/hub/chain/outbox.js';
import type { BotApiCall } from '../support/bot-api-server.js';
import { createBotHarness, type BotHarness, type TestUser } from '../support/bot-harness.js';
import { parseCsv, unguard } from '../support/csv-parse.js';

let h: BotHarness;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let aliceId: string;
let scalper: AgentView;
let odd: AgentView;
let bobAgent: AgentView;

interface Seed {
  id: string;
  agentId: string;
  side: 'long' | 'short';
  qty: number;
  leverage: number;
  margin: number;
  entryPrice: number;
  exitPrice: number | null;
  fees: number;
  pnl: number | null;
  status: 'open' | 'closed';
  closeReason: string | null;
  live: boolean;
  openedAt: Date;
  closedAt: Date | null;
}
const seeded: Seed[] = [];
let n = 0;

/** A trade row with known values; opened `minute` minutes after 2026-11-01 00:00 UTC. */
async function seedTrade(agentId: string, minute: number, extra: Partial<Seed> = {}): Promise<Seed> {
  n++;
  const openedAt = new Date(Date.UTC(2026, 10, 1) + minute * 60_000);
  const t: Seed = {
    id: crypto.randomUUID(),
    agentId,
    side: n % 2 ? 'long' : 'short',
    qty: 0.01 * n,
    leverage: 1 + (n % 5),
    margin: 100 + n,
    entryPrice: 65_000 + n * 10.5,
    exitPrice: 65_100 + n,
    fees: 0.125 * n,
    pnl: n % 3 ? 4.5 * n : -2.25 * n,
    status: 'closed',
    closeReason: 'take_profit',
    live: n % 4 === 0,
    openedAt,
    closedAt: new Date(openedAt.getTime() + 30 * 60_000),
    ...extra,
  };
  await h.orm.em.getConnection().execute(
    `insert into trades (id, agent_id, side, qty, leverage, margin, entry_price, exit_price, fees, pnl, status, close_reason, live,
                           opened_at, closed_at, exchange_order_ids, idempotency_key)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', ?)`,
    [
      t.id,
      agentId,
      t.side,
      t.qty,
      t.leverage,
      t.margin,
      t.entryPrice,
      t.exitPrice,
      t.fees,
      t.pnl,
      t.status,
      t.closeReason,
      t.live,
      t.openedAt,
      t.closedAt,
      `seed-${t.id}`,
    ],
  );
  seeded.push(t);
  return t;
}

async function seedDecision(
  agentId: string,
  at: Date,
  fields: { action: string; strategy: string | null; confidence: number; reasoning: string },
) {
  await h.orm.em.getConnection().execute(
    `insert into decisions (id, agent_id, action, strategy, confidence, reasoning, reasoning_hash, idempotency_key, created_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      crypto.randomUUID(),
      agentId,
      fields.action,
      fields.strategy,
      fields.confidence,
      fields.reasoning,
      `0x${'0'.repeat(64)}`,
      crypto.randomUUID(),
      at,
    ],
  );
}

/** The message id the stand-in gave the bot's last message (of any kind) to `user`. */
function lastMessageId(user: TestUser): number {
  const kinds = new Set(['sendMessage', 'sendPhoto', 'sendDocument']);
  return h.api.calls.filter((c) => kinds.has(c.method) && c.status === 200 && c.chatId === String(user.chatId)).length;
}
function buttonsOf(call: BotApiCall | undefined): Array<{ text: string; data: string }> {
  const markup = call?.payload.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> } | undefined;
  return (markup?.inline_keyboard ?? []).flat().map((b) => ({ text: b.text, data: b.callback_data ?? '' }));
}
const lastEdit = () => h.api.succeeded('editMessageText').at(-1)!;
const lastAnswer = () => h.api.callsTo('answerCallbackQuery').at(-1)!.payload.text;
const shortIds = (text: string) => [...text.matchAll(/<code>([0-9a-f]{8})<\/code>/g)].map((m) => m[1]);
const newestFirst = (agentIds: string[]) =>
  seeded.filter((t) => agentIds.includes(t.agentId)).sort((a, b) => b.openedAt.getTime() - a.openedAt.getTime() || (a.id < b.id ? 1 : -1));

beforeAll(async () => {
  h = await createBotHarness({ env: { ACCESS_MODE: 'open', ADMIN_TELEGRAM_IDS: '777' } });
  alice = h.user(801);
  bob = h.user(802);
  carol = h.user(803);
  for (const u of [alice, bob, carol]) await u.send('/start');
  aliceId = (await h.hub.users.byTelegramId(801))!.id;
  const bobId = (await h.hub.users.byTelegramId(802))!.id;
  scalper = await h.hub.agents.create(aliceId, { symbol: 'BTCUSDT', amountUsdt: 500, name: 'btc-scalper' });
  odd = await h.hub.agents.create(aliceId, { symbol: 'ETHUSDT', amountUsdt: 500, name: '-eth 3' });
  bobAgent = await h.hub.agents.create(bobId, { symbol: 'BTCUSDT', amountUsdt: 100, name: 'bobs' });
  for (let i = 0; i < 24; i++) await seedTrade(scalper.id, i * 60);
  await seedTrade(scalper.id, 24 * 60, { status: 'open', exitPrice: null, pnl: null, closeReason: null, closedAt: null });
  await seedTrade(odd.id, 30, { closeReason: '=HYPERLINK("http://evil.example","x")' });
  await seedTrade(odd.id, 90, { closeReason: 'manual, "fast"\nsecond line' });
  await seedTrade(odd.id, 150, { closeReason: '@risk' });
  await seedTrade(bobAgent.id, 10);
});
afterAll(async () => h?.close());

describe('/trades', () => {
  it('pages forward and back with ◀ ▶, editing the one message in place, newest first', async () => {
    await alice.send('/trades btc-scalper 10');
    const messageId = lastMessageId(alice);
    const expected = newestFirst([scalper.id]).map((t) => t.id.slice(0, 8));
    expect(alice.lastText()).toContain('Trades of <b>btc-scalper</b> · 1–10 of 25 · page 1/3');
    expect(shortIds(alice.lastText())).toEqual(expected.slice(0, 10));
    expect(alice.lastText()).toMatch(/⏳ <code>[0-9a-f]{8}<\/code> · \w+ [\d.]+ BTCUSDT @ [\d,.]+ <b>open<\/b>/);
    const [next] = buttonsOf(h.api.succeeded('sendMessage').at(-1));
    expect(next!.text).toBe('▶');

    await alice.press(next!.data, messageId);
    expect(Number(lastEdit().payload.message_id)).toBe(messageId);
    expect(String(lastEdit().payload.text)).toContain('11–20 of 25 · page 2/3');
    expect(shortIds(String(lastEdit().payload.text))).toEqual(expected.slice(10, 20));
    expect(buttonsOf(lastEdit()).map((b) => b.text)).toEqual(['◀', '▶']);

    await alice.press(buttonsOf(lastEdit())[1]!.data, messageId);
    expect(String(lastEdit().payload.text)).toContain('21–25 of 25 · page 3/3');
    expect(shortIds(String(lastEdit().payload.text))).toEqual(expected.slice(20));
    expect(buttonsOf(lastEdit()).map((b) => b.text)).toEqual(['◀']);

    await alice.press(buttonsOf(lastEdit())[0]!.data, messageId);
    expect(String(lastEdit().payload.text)).toContain('page 2/3');
    expect(Number(lastEdit().payload.message_id)).toBe(messageId);
  });

  it('lists all agents by default with their names, takes a bare number as the page size, and says what was wrong', async () => {
    await alice.send('/trades 5');
    expect(alice.lastText()).toContain('Your trades · 1–5 of 28 · page 1/6');
    expect(alice.lastText()).toContain('<b>btc-scalper</b>');
    await alice.send('/trades btc-scalper 51');
    expect(alice.lastText()).toContain('The number of trades per page must be 1-50.');
    await alice.send('/trades btc-scalper 0');
    expect(alice.lastText()).toContain('must be 1-50');
    await alice.send('/trades bobs');
    expect(alice.lastText()).toBe('⚠️ No agent matches "bobs". Send /agents to see yours.');
    await carol.send('/trades');
    expect(carol.lastText()).toBe('You have no trades yet. /agents shows your agents.');
  });

  it('splits a page too long for one message into parts, and paging visits every trade once', async () => {
    const longName = await h.hub.agents.create(aliceId, { symbol: 'BTCUSDT', amountUsdt: 100, name: 'a-very-long-agent-name-for-parts' });
    for (let i = 0; i < 60; i++) await seedTrade(longName.id, 5000 + i);
    await alice.send('/trades a-very-long-agent-name-for-parts 50');
    const messageId = lastMessageId(alice);
    const texts = [alice.lastText()];
    let buttons = buttonsOf(h.api.succeeded('sendMessage').at(-1));
    while (buttons.some((b) => b.text === '▶')) {
      await alice.press(buttons.find((b) => b.text === '▶')!.data, messageId);
      texts.push(String(lastEdit().payload.text));
      buttons = buttonsOf(lastEdit());
    }
    expect(texts[0]).toContain('page 1/2 · part 1/');
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(4096);
    expect(texts.flatMap(shortIds)).toEqual(newestFirst([longName.id]).map((t) => t.id.slice(0, 8)));
    // ◀ from the first part of page 2 lands on the last part of page 1.
    await alice.press(buttons.find((b) => b.text === '◀')!.data, messageId);
    expect(String(lastEdit().payload.text)).toBe(texts.at(-2));
    await h.hub.agents.remove(aliceId, longName.id);
    seeded.splice(0, seeded.length, ...seeded.filter((t) => t.agentId !== longName.id));
  });

  it("answers stale or foreign buttons in words and never shows another user's trades", async () => {
    await alice.send('/trades btc-scalper 10');
    const [next] = buttonsOf(h.api.succeeded('sendMessage').at(-1));
    const edits = h.api.callsTo('editMessageText').length;
    await bob.press(next!.data);
    expect(lastAnswer()).toBe(FOREIGN_BUTTON_TEXT);
    // Bob's own id with Alice's agent: that agent does not exist for him.
    await bob.press(next!.data.replace(/^tr:[0-9a-z]+:/, `tr:${(802).toString(36)}:`));
    expect(lastAnswer()).toBe('That agent does not exist (any more). Send /trades again.');
    for (const data of ['tr:zz', `tr:${(801).toString(36)}:*:1e:0:9:extra`, `tr:${(801).toString(36)}:not-an-id:a:0:0`]) {
      await alice.press(data);
      expect(lastAnswer()).toBe('This button is out of date. Send /trades again.');
    }
    expect(h.api.callsTo('editMessageText').length).toBe(edits);
    // A page that is gone (fewer trades now) shows the last one, and says so.
    await alice.press(`tr:${(801).toString(36)}:${scalper.id}:a:9:0`, lastMessageId(alice));
    expect(String(lastEdit().payload.text)).toContain('page 3/3');
    expect(lastAnswer()).toBe('There are fewer trades now: this is the last page.');
  });
});

describe('/trade', () => {
  it('shows one trade by its short id: entry, exit, size, fees, PnL, reason, times, and the decision behind it', async () => {
    const t = newestFirst([scalper.id]).find((x) => x.status === 'closed')!;
    await seedDecision(scalper.id, new Date(t.openedAt.getTime() - 2 * 3600_000), {
      action: 'PLAN',
      strategy: 'breakout',
      confidence: 0.4,
      reasoning: 'older one',
    });
    await seedDecision(scalper.id, new Date(t.openedAt.getTime() - 60_000), {
      action: 'OPEN',
      strategy: 'momentum',
      confidence: 0.72,
      reasoning: `Trend <strong> & ${'x'.repeat(600)}`,
    });
    await seedDecision(scalper.id, new Date(t.openedAt.getTime() + 60_000), {
      action: 'CLOSE',
      strategy: 'later',
      confidence: 0.9,
      reasoning: 'after it',
    });
    await alice.send(`/trade ${t.id.slice(0, 8)}`);
    const card = alice.lastText();
    expect(card).toContain(`Trade <code>${t.id.slice(0, 8)}</code> · <b>btc-scalper</b> · BTCUSDT`);
    expect(card).toContain(`${t.side.toUpperCase()} · closed · ${t.live ? '💰 live' : '📝 paper'}`);
    expect(card).toMatch(/Entry [\d,.]+ · exit [\d,.]+ USDT/);
    expect(card).toContain(`${t.leverage}x · margin`);
    expect(card).toMatch(/Fees [\d.]+ USDT · PnL [+−][\d.,]+ USDT/);
    expect(card).toContain('Reason: take_profit');
    expect(card).toContain(`Opened ${t.openedAt.toISOString().slice(0, 16).replace('T', ' ')}`);
    expect(card).toContain('held 30m) UTC');
    expect(card).toContain('Decision behind it');
    expect(card).toContain('<b>OPEN</b> · momentum · confidence 72%');
    expect(card).toContain('<i>Trend &lt;strong&gt; &amp; xxx');
    expect(card).not.toContain('x'.repeat(300));
    expect(card).not.toContain('after it');
    expect(card).not.toContain('⛓');
    expect(card).toContain(`<code>${t.id}</code>`);
  });

  it('links the explorer when the trade was logged on chain', async () => {
    const t = newestFirst([scalper.id])[3]!;
    const record = tradeChainRecord(scalper.id, 'BTCUSDT', { ...t, exchangeOrderIds: [], idempotencyKey: `seed-${t.id}` }, 'open');
    const outboxId = await enqueueChainEntry(h.orm.em.fork() as EntityManager, 'trade', record);
    const txHash = `0x${'ab'.repeat(32)}`;
    await settleEntries(h.orm, [{ id: outboxId, status: 'sent', txHash, blockNumber: 42 }], new Date());
    await alice.send(`/trade ${t.id.toUpperCase()}`);
    expect(alice.lastText()).toContain(`⛓ Logged on HashKey Chain: <a href="https://testnet-explorer.hsk.xyz/tx/${txHash}">open tx</a>`);
    expect(h.api.succeeded('sendMessage').at(-1)!.payload.link_preview_options).toEqual({ is_disabled: true });
  });

  it("says what was wrong with an id, and another user's trade is not found", async () => {
    const t = seeded.find((x) => x.agentId === scalper.id)!;
    await alice.send('/trade');
    expect(alice.lastText()).toContain('Usage: /trade <id>');
    for (const bad of ['1a2b3c4', 'xyzxyzxyz']) {
      await alice.send(`/trade ${bad}`);
      expect(alice.lastText()).toBe(
        `"${bad}" is not a trade id. Type the 8-character id /trades shows (digits 0-9 and letters a-f), or the full id.`,
      );
    }
    for (const ref of [t.id, t.id.slice(0, 8)]) {
      await bob.send(`/trade ${ref}`);
      expect(bob.lastText()).toBe(`⚠️ No trade matches "${ref}". Send /trades to see yours.`);
    }
    const twins = ['aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000002'];
    for (const id of twins) await seedTrade(odd.id, 200, { id });
    await alice.send('/trade aaaaaaaa');
    expect(alice.lastText()).toBe('⚠️ "aaaaaaaa" matches several of your trades. Type more of its id (up to the full id).');
    await alice.send(`/trade ${twins[1]}`);
    expect(alice.lastText()).toContain('Trade <code>aaaaaaaa</code>');
  });
});

describe('/export', () => {
  /** The CSV of the last document sent to `user`, parsed, with its file name and caption. */
  function lastCsv(user: TestUser) {
    const call = h.api
      .succeeded('sendDocument')
      .filter((c) => c.chatId === String(user.chatId))
      .at(-1)!;
    const ref = String(call.payload.document).replace('attach://', '');
    const file = call.payload[ref] as { file: string; data: Buffer };
    return { name: file.file, caption: String(call.payload.caption), records: parseCsv(file.data.toString('utf8')) };
  }
  const cellsOf = (t: Seed, name: string): string[] => {
    const iso = (d: Date | null) => (d ? d.toISOString() : '');
    const num = (v: number | null) => (v === null ? '' : String(v));
    return [
      t.id,
      name,
      name === 'btc-scalper' ? 'BTCUSDT' : 'ETHUSDT',
      t.side,
      t.status,
      num(t.qty),
      num(t.leverage),
      num(t.margin),
    ].concat([
      num(t.entryPrice),
      num(t.exitPrice),
      num(t.fees),
      num(t.pnl),
      t.closeReason ?? '',
      iso(t.openedAt),
      iso(t.closedAt),
      String(t.live),
    ]);
  };

  it('sends the caller’s trades as a CSV that parses back to exactly the seeded trades, oldest first', async () => {
    await alice.send('/export');
    const { name, caption, records } = lastCsv(alice);
    expect(name).toBe('artic-trades-all-20261130.csv');
    const mine = newestFirst([scalper.id, odd.id]).reverse();
    expect(caption).toContain(`📄 ${mine.length} trade(s), oldest first.`);
    const [header, ...rows] = records;
    expect(header).toEqual([...EXPORT_COLUMNS]);
    expect(rows.map((r) => r.map(unguard))).toEqual(mine.map((t) => cellsOf(t, t.agentId === scalper.id ? 'btc-scalper' : '-eth 3')));
  });

  it('guards text cells a spreadsheet would run as formulas; numbers stay numbers', async () => {
    await alice.send('/export -eth 3');
    const { name, records } = lastCsv(alice);
    expect(name).toBe('artic-trades--eth-3-20261130.csv');
    const rows = records.slice(1);
    expect(rows.every((r) => r[1] === "'-eth 3")).toBe(true);
    const reasons = rows.map((r) => r[12]);
    expect(reasons).toContain(`'=HYPERLINK("http://evil.example","x")`);
    expect(reasons).toContain("'@risk");
    expect(reasons).toContain('manual, "fast"\nsecond line');
    expect(rows.some((r) => r[11]!.startsWith('-') && !r[11]!.startsWith("'"))).toBe(true); // a loss, as a number
  });

  it("holds only the caller's trades; none gives a clear answer", async () => {
    await bob.send('/export');
    expect(
      lastCsv(bob)
        .records.slice(1)
        .map((r) => r[0]),
    ).toEqual(seeded.filter((t) => t.agentId === bobAgent.id).map((t) => t.id));
    await bob.send('/export btc-scalper');
    expect(bob.lastText()).toBe('⚠️ No agent matches "btc-scalper". Send /agents to see yours.');
    await carol.send('/export');
    expect(carol.lastText()).toBe('You have no trades to export yet.');
  });

  it('documents every column in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Exporting trades'));
    expect(section.length).toBeGreaterThan(0);
    for (const column of EXPORT_COLUMNS) expect(section).toContain(`\`${column}\``);
  });
});

describe('/agents and /help', () => {
  it('/agents has a Refresh button that edits the list in place ("not modified" ignored)', async () => {
    await alice.send('/agents');
    const messageId = lastMessageId(alice);
    const [refresh] = buttonsOf(h.api.succeeded('sendMessage').at(-1));
    expect(refresh).toEqual({ text: '🔄 Refresh', data: `agl:${(801).toString(36)}:0` });
    await h.orm.em.getConnection().execute('update agents set realized_pnl = 12.5 where id = ?', [scalper.id]);
    await alice.press(refresh!.data, messageId);
    expect(Number(lastEdit().payload.message_id)).toBe(messageId);
    expect(String(lastEdit().payload.text)).toContain('<b>btc-scalper</b> · BTCUSDT · PnL +12.50 USDT');
    expect(buttonsOf(lastEdit())).toEqual([refresh]);
    expect(lastAnswer()).toBe('Refreshed');
    const refused = h.api.callsTo('editMessageText').filter((c) => c.status === 400).length;
    await alice.press(refresh!.data, messageId);
    expect(h.api.callsTo('editMessageText').filter((c) => c.status === 400).length).toBe(refused + 1);
    expect(h.logs.join('\n')).not.toContain('update handler failed');
    await bob.press(refresh!.data);
    expect(lastAnswer()).toBe(FOREIGN_BUTTON_TEXT);
  });

  it('/help lists /trades, /trade and /export', async () => {
    await alice.send('/help');
    for (const command of ['/trades', '/trade ', '/export']) expect(alice.lastText()).toContain(command);
  });
});
