/**
 * /forceexit, /pause and /resume in chat, and their card buttons: the real bot over the real hub
 * and paper broker (bot harness: Bot API stand-in, in-test agents, PostgreSQL).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotHarness, type BotHarness, type TestUser } from '../support/bot-harness.js';

let h: BotHarness;
let dana: TestUser;
let eve: TestUser;
let danaId: string;

beforeAll(async () => {
  h = await createBotHarness({ env: { ACCESS_MODE: 'open' } });
  dana = h.user(801);
  eve = h.user(802);
  await dana.send('/start');
  await eve.send('/start');
  danaId = (await h.hub.users.byTelegramId(801))!.id;
});
afterAll(async () => h?.close());

const open = (agentId: string) =>
  h.hub.broker.execute(agentId, { idempotencyKey: randomUUID(), action: 'open', side: 'long', amountUsdt: 100, reason: 'signal' });
const tag = (tradeId: string) => tradeId.replaceAll('-', '').slice(0, 12);
const lastEdit = () => h.api.succeeded('editMessageText').at(-1)!.payload;
const lastAnswer = () => h.api.callsTo('answerCallbackQuery').at(-1)!.payload;
const buttonsOf = (payload: Record<string, unknown>) =>
  ((payload.reply_markup as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | undefined)?.inline_keyboard ?? [])
    .flat()
    .map((b) => b.callback_data ?? '');

async function closedTrades(agentId: string): Promise<Array<{ close_reason: string }>> {
  return h.orm.em.fork().getConnection().execute(`select close_reason from trades where agent_id = ? and status = 'closed'`, [agentId]);
}

async function runningAgent(name: string) {
  const agent = await h.hub.agents.create(danaId, { symbol: 'BTCUSDT', amountUsdt: 100, name });
  await h.hub.lifecycle.start(danaId, agent.id);
  return agent;
}

describe('/forceexit', () => {
  it('asks first, then closes the position once; the agent keeps running', async () => {
    const agent = await runningAgent('fx-bot');
    const opened = await open(agent.id);
    await dana.send('/forceexit fx-bot');
    expect(dana.lastText()).toMatch(/^🚪 Force exit <b>fx-bot<\/b>\? Its paper position long [\d.]+ BTCUSDT @ [\d,.]+ \(unrealized/);
    expect(dana.lastText()).toContain('It keeps running and may open a new position at its next signal (/pause stops new entries).');
    expect(dana.lastButtons()).toEqual([`ctl:y:${agent.id}:${tag(opened.tradeId)}`, `ctl:n:${agent.id}`]);
    expect(await closedTrades(agent.id)).toHaveLength(0);

    const questionId = h.api.succeeded('sendMessage').filter((c) => c.chatId === '801').length;
    await dana.press(`ctl:y:${agent.id}:${tag(opened.tradeId)}`, questionId);
    expect(lastAnswer().text).toBe('Closing…');
    expect(Number(lastEdit().message_id)).toBe(questionId);
    expect(String(lastEdit().text)).toMatch(
      /^✅ <b>fx-bot<\/b>: force exit — long closed at [\d,.]+ · PnL [−+]?[\d.]+ USDT\. It keeps running\.$/,
    );
    expect(await closedTrades(agent.id)).toEqual([{ close_reason: 'force exit' }]);
    expect(await h.hub.agents.find(danaId, agent.id)).toMatchObject({ status: 'running', position: null });

    // Yes tapped again: nothing more is closed.
    await dana.press(`ctl:y:${agent.id}:${tag(opened.tradeId)}`, questionId);
    expect(lastAnswer().text).toBe('Nothing to close');
    expect(String(lastEdit().text)).toBe('<b>fx-bot</b> holds no open position now: it was closed already. Nothing more was closed.');
    expect(await closedTrades(agent.id)).toHaveLength(1);
  });

  it('an old confirmation never closes a position opened since; Cancel closes nothing', async () => {
    const agent = await h.hub.agents.find(danaId, 'fx-bot');
    const first = await open(agent.id);
    await dana.send('/forceexit fx-bot');
    await h.hub.broker.execute(agent.id, { idempotencyKey: randomUUID(), action: 'close', reason: 'TP hit', tradeId: first.tradeId });
    const newer = await open(agent.id);
    await dana.press(`ctl:y:${agent.id}:${tag(first.tradeId)}`);
    expect(String(lastEdit().text)).toMatch(
      /^<b>fx-bot<\/b> no longer holds the position you confirmed \(it was closed\); it now holds long .*Send \/forceexit fx-bot again to close that one\.$/,
    );
    expect((await h.hub.agents.find(danaId, agent.id)).position?.tradeId).toBe(newer.tradeId);

    await dana.send('/forceexit fx-bot');
    await dana.press(`ctl:n:${agent.id}`);
    expect(lastAnswer().text).toBe('Cancelled: nothing was closed');
    expect(String(lastEdit().text)).toContain('Status: running');
    expect((await h.hub.agents.find(danaId, agent.id)).position?.tradeId).toBe(newer.tradeId);
    expect(await closedTrades(agent.id)).toHaveLength(2); // the first fx and the TP: no force exit since
  });

  it('the card offers Force exit while it runs with a position; it asks, then closes', async () => {
    const agent = await h.hub.agents.find(danaId, 'fx-bot');
    await dana.send('/agent fx-bot');
    expect(dana.lastButtons()).toEqual(expect.arrayContaining([`ctl:f:${agent.id}`, `ctl:p:${agent.id}`]));
    expect(dana.lastButtons()).not.toContain(`ag:c:${agent.id}`);
    await dana.press(`ctl:f:${agent.id}`);
    expect(String(lastEdit().text)).toMatch(/^🚪 Force exit <b>fx-bot<\/b>\?/);
    const [yes] = buttonsOf(lastEdit());
    await dana.press(yes!);
    expect(String(lastEdit().text)).toMatch(/^✅ <b>fx-bot<\/b>: force exit — long closed at /);
    expect((await closedTrades(agent.id)).filter((t) => t.close_reason === 'force exit')).toHaveLength(2);
    await h.hub.lifecycle.stop(danaId, agent.id);
  });

  it('a refused close is said in the chat, the question stays for another try, and nothing is closed', async () => {
    const agent = await runningAgent('fx-refused');
    const opened = await open(agent.id);
    // Another order of the agent is still out at the exchange: the broker takes no other order.
    const sql = (text: string, params: unknown[]) => h.orm.em.fork().getConnection().execute(text, params);
    await sql(
      `insert into order_intents (id, client_order_id, agent_id, owner_id, agent_name, symbol, action, side, quantity, trade_id, "order", status, created_at, updated_at)
       values (?, 'cid-in-flight', ?, ?, 'fx-refused', 'BTCUSDT', 'close', 'SELL', 1, ?, '{}'::jsonb, 'pending', now(), now())`,
      [randomUUID(), agent.id, danaId, opened.tradeId],
    );
    await dana.send('/forceexit fx-refused');
    const questionId = h.api.succeeded('sendMessage').filter((c) => c.chatId === '801').length;
    const edits = h.api.succeeded('editMessageText').length;
    await dana.press(`ctl:y:${agent.id}:${tag(opened.tradeId)}`, questionId);
    expect(lastAnswer().text).toBe('Closing…');
    expect(dana.lastText()).toMatch(
      /^⚠️ Force exit of <b>fx-refused<\/b> not done: Order cid-in-flight of this agent is still being executed/,
    );
    expect(h.api.succeeded('editMessageText')).toHaveLength(edits);
    expect(await closedTrades(agent.id)).toHaveLength(0);

    await sql(`delete from order_intents where client_order_id = 'cid-in-flight'`, []);
    await dana.press(`ctl:y:${agent.id}:${tag(opened.tradeId)}`, questionId);
    expect(await closedTrades(agent.id)).toEqual([{ close_reason: 'force exit' }]);
    await h.hub.lifecycle.stop(danaId, agent.id);
  });

  it('a stopped agent holding a position: closes it, and it stays stopped', async () => {
    const agent = await runningAgent('fx-stopped');
    const opened = await open(agent.id);
    await h.hub.lifecycle.stop(danaId, agent.id, { closePosition: false });
    await dana.send('/forceexit fx-stopped');
    expect(dana.lastText()).toContain('It stays stopped.');
    await dana.press(`ctl:y:${agent.id}:${tag(opened.tradeId)}`);
    expect(String(lastEdit().text)).toMatch(/^✅ <b>fx-stopped<\/b>: force exit — long closed at .* It stays stopped\.$/);
  });

  it('bad input: no agent, a flat agent, an unknown one; another user’s agent is not found', async () => {
    await dana.send('/forceexit');
    expect(dana.lastText()).toBe(
      'Usage: /forceexit <agent> — closes its open position at the market now, after a confirmation; the agent keeps running.',
    );
    await dana.send('/forceexit fx-stopped');
    expect(dana.lastText()).toBe('<b>fx-stopped</b> holds no open position: nothing to close.');
    expect(dana.lastButtons()).toEqual([]);
    await dana.send('/forceexit nosuch');
    expect(dana.lastText()).toBe('⚠️ No agent matches "nosuch". Send /agents to see yours.');

    const agent = await runningAgent('fx-private');
    const opened = await open(agent.id);
    for (const ref of ['fx-private', agent.shortId, agent.id]) {
      await eve.send(`/forceexit ${ref}`);
      expect(eve.lastText()).toBe(`⚠️ No agent matches "${ref}". Send /agents to see yours.`);
    }
    for (const data of [`ctl:f:${agent.id}`, `ctl:y:${agent.id}:${tag(opened.tradeId)}`, `ctl:p:${agent.id}`, `ctl:u:${agent.id}`]) {
      await eve.press(data);
      expect(lastAnswer().text).toBe('That agent does not exist (any more).');
    }
    expect(await h.hub.agents.find(danaId, agent.id)).toMatchObject({ paused: false, position: { tradeId: opened.tradeId } });
    await h.hub.lifecycle.stop(danaId, agent.id);
  });
});

describe('/pause and /resume', () => {
  it('pauses a running agent (sent live, shown on the card) and resumes it', async () => {
    const agent = await runningAgent('pz-bot');
    await dana.send('/pause pz-bot');
    expect(dana.lastText()).toBe(
      '⏸ <b>pz-bot</b> paused: it opens no new position; an open one stays managed (TP/SL, supervisor, drawdown stop). /resume pz-bot allows entries again.',
    );
    expect(h.runtime.configs.at(-1)).toEqual({ agentId: agent.id, body: { paused: true } });
    await expect(open(agent.id)).rejects.toMatchObject({ code: 'agent_paused' });
    await dana.send('/pause pz-bot');
    expect(dana.lastText()).toBe('<b>pz-bot</b> is already paused (entries off). /resume pz-bot allows entries again.');

    await dana.send('/agent pz-bot');
    expect(dana.lastText()).toContain('\n⏸ paused (entries off)\n');
    expect(dana.lastButtons()).toContain(`ctl:u:${agent.id}`);
    expect(dana.lastButtons()).not.toContain(`ctl:p:${agent.id}`);
    await dana.send('/agents');
    expect(dana.lastText()).toContain('<b>pz-bot</b> · BTCUSDT · ⏸ paused · PnL');

    await dana.send('/resume pz-bot');
    expect(dana.lastText()).toBe('▶️ <b>pz-bot</b> resumed: new entries are allowed again.');
    expect(h.runtime.configs.at(-1)).toEqual({ agentId: agent.id, body: { paused: false } });
    await dana.send('/resume pz-bot');
    expect(dana.lastText()).toBe('<b>pz-bot</b> is already running and not paused: nothing to resume.');
    await expect(open(agent.id)).resolves.toMatchObject({ status: 'open' });
  });

  it('the card’s Pause and Resume buttons edit the card in place', async () => {
    const agent = await h.hub.agents.find(danaId, 'pz-bot');
    await dana.send('/agent pz-bot');
    const cardId = h.api.succeeded('sendMessage').filter((c) => c.chatId === '801').length;
    await dana.press(`ctl:p:${agent.id}`, cardId);
    expect(lastAnswer().text).toBe('Paused: no new entries');
    expect(Number(lastEdit().message_id)).toBe(cardId);
    expect(String(lastEdit().text)).toContain('⏸ paused (entries off)');
    expect(buttonsOf(lastEdit())).toEqual(expect.arrayContaining([`ctl:f:${agent.id}`, `ctl:u:${agent.id}`]));
    await dana.press(`ctl:u:${agent.id}`, cardId);
    expect(lastAnswer().text).toBe('Resumed: entries allowed');
    expect(String(lastEdit().text)).not.toContain('paused');
    expect(buttonsOf(lastEdit())).toContain(`ctl:p:${agent.id}`);
    expect((await h.hub.agents.find(danaId, agent.id)).paused).toBe(false);
    await h.hub.lifecycle.stop(danaId, agent.id);
  });

  it('/resume of a stopped paused agent un-pauses and starts it; of a stopped one, starts it as before', async () => {
    const agent = await h.hub.agents.find(danaId, 'pz-bot');
    await dana.send('/pause pz-bot');
    expect(dana.lastText()).toContain('When started, it stays paused.');
    const configs = h.runtime.configs.length;
    await dana.send('/resume pz-bot');
    expect(dana.texts().at(-2)).toBe('▶️ <b>pz-bot</b> resumed: new entries are allowed again.');
    expect(h.api.succeeded('editMessageText').at(-1)!.payload.text).toBe('✅ <b>pz-bot</b> is running.');
    expect(await h.hub.agents.find(danaId, agent.id)).toMatchObject({ status: 'running', paused: false });
    expect(h.runtime.configs).toHaveLength(configs); // nothing to send to a stopped agent
    await h.hub.lifecycle.stop(danaId, agent.id);
    await dana.send('/resume pz-bot');
    expect(h.api.succeeded('editMessageText').at(-1)!.payload.text).toBe('✅ <b>pz-bot</b> is running.');
    await h.hub.lifecycle.stop(danaId, agent.id);
  });

  it('bad input and scoping', async () => {
    await dana.send('/pause');
    expect(dana.lastText()).toMatch(/^Usage: \/pause <agent> — it opens no new position/);
    await dana.send('/resume');
    expect(dana.lastText()).toMatch(/^Usage: \/resume <agent> — allows a paused agent to open positions again, or starts a stopped agent/);
    await eve.send('/pause pz-bot');
    expect(eve.lastText()).toBe('⚠️ No agent matches "pz-bot". Send /agents to see yours.');
    await eve.send('/resume pz-bot');
    expect(eve.lastText()).toBe('⚠️ No agent matches "pz-bot". Send /agents to see yours.');
    expect((await h.hub.agents.find(danaId, 'pz-bot')).paused).toBe(false);
  });

  it('/help says what each does', async () => {
    await dana.send('/help');
    const help = dana.lastText();
    expect(help).toContain('/startagent — Start a stopped agent');
    expect(help).toContain('/pause — No new entries; the open position stays managed (TP/SL, drawdown stop)');
    expect(help).toContain('/resume — Allow a paused agent entries again, or start a stopped agent');
    expect(help).toContain("/forceexit — Close an agent's position now (after a confirmation); it keeps running");
  });
});
