import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentView } from '../../src/hub/agents/agent-view.js';
import { createBotHarness, type BotHarness, type TestUser } from '../support/bot-harness.js';

let h: BotHarness;
let alice: TestUser;
let bob: TestUser;
let aliceId: string;
let agent: AgentView;

beforeAll(async () => {
  h = await createBotHarness({ env: { ACCESS_MODE: 'open', ADMIN_TELEGRAM_IDS: '777' } });
  alice = h.user(701);
  bob = h.user(702);
  await alice.send('/start');
  await bob.send('/start');
  aliceId = (await h.hub.users.byTelegramId(701))!.id;
  agent = await h.hub.agents.create(aliceId, { symbol: 'BTCUSDT', amountUsdt: 500, name: 'btc-scalper', tpPct: 2, slPct: 1 });
});
afterAll(async () => h?.close());

async function insertLogs(agentId: string, messages: Array<[string, string]>): Promise<void> {
  let seq = 1;
  for (const [level, message] of messages) {
    await h.orm.em
      .getConnection()
      .execute('insert into log_entries (agent_id, seq, level, message, ts) values (?, ?, ?, ?, ?)', [
        agentId,
        seq++,
        level,
        message,
        new Date('2026-11-30T12:00:01Z'),
      ]);
  }
}

describe('viewing and control', () => {
  it('/agents lists status, symbol and PnL; /agent shows a card with controls', async () => {
    await alice.send('/agents');
    expect(alice.lastText()).toContain(`⚪ <b>btc-scalper</b> · BTCUSDT · PnL 0.00 USDT · <code>${agent.shortId}</code>`);
    await alice.send(`/agent ${agent.shortId}`);
    const card = alice.lastText();
    expect(card).toContain('Capital 500 USDT · 5x · moderate · 15m');
    expect(card).toContain('TP/SL: TP 2% · SL 1% (fixed)');
    expect(card).toContain('Position: flat');
    expect(alice.lastButtons()).toEqual([
      `ag:r:${agent.id}`,
      `ag:l:${agent.id}`,
      `tail:${agent.id}`,
      `ag:g:${agent.id}`,
      `ag:e:${agent.id}`,
      `ag:d:${agent.id}`,
      `ag:b:${agent.id}`,
    ]);
  });

  it('Refresh edits the card in place (and "not modified" is not an error)', async () => {
    await alice.send('/agent btc-scalper');
    const cardId = h.api.succeeded('sendMessage').filter((c) => c.chatId === '701').length;
    await h.orm.em
      .getConnection()
      .execute('update agents set last_price = 65000.5, unrealized_pnl = 12.5, realized_pnl = -2 where id = ?', [agent.id]);
    await alice.press(`ag:r:${agent.id}`, cardId);
    const edit = h.api.succeeded('editMessageText').at(-1)!;
    expect(Number(edit.payload.message_id)).toBe(cardId);
    expect(String(edit.payload.text)).toContain('PnL: unrealized +12.50 · realized −2.00 USDT');
    expect(String(edit.payload.text)).toContain('Price: 65,000.5');
    const failedBefore = h.api.callsTo('editMessageText').filter((c) => c.status === 400).length;
    await alice.press(`ag:r:${agent.id}`, cardId);
    expect(h.api.callsTo('editMessageText').filter((c) => c.status === 400).length).toBe(failedBefore + 1);
    expect(h.api.callsTo('answerCallbackQuery').at(-1)!.payload.text).toBe('Refreshed');
    expect(h.logs.join('\n')).not.toContain('update handler failed');
  });

  it("user B cannot see or control user A's agent: it behaves exactly like a missing one", async () => {
    const missing = '0000aaaa';
    for (const [command, ref] of [
      ['/agent', agent.shortId],
      ['/agent', agent.id],
      ['/agent', 'btc-scalper'],
      ['/stop', agent.shortId],
      ['/startagent', agent.shortId],
      ['/delete', agent.id],
      ['/logs', agent.shortId],
      ['/edit', agent.shortId],
    ] as const) {
      await bob.send(`${command} ${ref}`);
      expect(bob.lastText()).toBe(`⚠️ No agent matches "${ref}". Send /agents to see yours.`);
    }
    await bob.send(`/agent ${missing}`);
    expect(bob.lastText()).toBe(`⚠️ No agent matches "${missing}". Send /agents to see yours.`);
    for (const action of ['r', 'l', 's', 'g', 'e', 'd', 'D', 'X', 'c', 'C']) {
      await bob.press(`ag:${action}:${agent.id}`);
      expect(h.api.callsTo('answerCallbackQuery').at(-1)!.payload.text).toBe('That agent does not exist (any more).');
    }
    await bob.send('/agents');
    expect(bob.lastText()).toContain('You have no agents yet');
    expect((await h.hub.agents.find(aliceId, agent.id)).status).toBe('created');
  });

  it('/logs escapes HTML and splits below 4096 characters', async () => {
    const long = 'x'.repeat(300);
    await insertLogs(agent.id, [
      ['info', 'price <b>65000</b> & rising'],
      ['warn', 'slippage > 0.1%'],
      ...Array.from({ length: 40 }, (_, i): [string, string] => ['error', `${i} ${long} <tag>`]),
    ]);
    await alice.send('/logs btc-scalper 0');
    expect(alice.lastText()).toContain('must be 1-200');
    const before = h.api.succeeded('sendMessage').length;
    await alice.send('/logs btc-scalper 200');
    const sent = h.api
      .succeeded('sendMessage')
      .slice(before)
      .map((c) => String(c.payload.text));
    expect(sent.length).toBeGreaterThan(3);
    for (const text of sent) expect(text.length).toBeLessThan(4096);
    expect(sent[0]).toContain('last 42 line(s)');
    expect(sent[0]).toContain('ℹ️ price &lt;b&gt;65000&lt;/b&gt; &amp; rising');
    expect(sent[0]).toContain('⚠️ slippage &gt; 0.1%');
    expect(sent.join('\n')).not.toMatch(/<(?!\/?(b|code)>)/); // only our own tags
    expect(sent.join('\n').match(/❌ /g)).toHaveLength(40);
    expect(
      h.api
        .callsTo('sendMessage')
        .slice(-sent.length)
        .every((c) => c.payload.parse_mode === 'HTML'),
    ).toBe(true);
  });

  it('starts, stops and deletes (with a confirmation) through commands and buttons', async () => {
    await alice.send('/startagent btc-scalper');
    expect(h.api.succeeded('editMessageText').at(-1)!.payload.text).toBe('✅ <b>btc-scalper</b> is running.');
    await alice.send('/resume btc-scalper');
    expect(alice.lastText()).toContain('already running');
    await alice.send('/agent btc-scalper');
    expect(alice.lastButtons()).toContain(`ag:s:${agent.id}`);
    await alice.press(`ag:s:${agent.id}`);
    expect(alice.lastText()).toBe('⏸ <b>btc-scalper</b> stopped.');
    expect((await h.hub.agents.find(aliceId, agent.id)).status).toBe('stopped');

    await alice.send('/delete btc-scalper');
    expect(alice.lastText()).toContain('Delete <b>btc-scalper</b>?');
    expect(alice.lastButtons()).toEqual([`ag:D:${agent.id}`, `ag:k:${agent.id}`]);
    await alice.press(`ag:k:${agent.id}`);
    expect(await h.hub.agents.list(aliceId)).toHaveLength(1);
  });

  it('/panic needs the typed confirmation, then reports what it stopped', async () => {
    const second = await h.hub.agents.create(aliceId, { symbol: 'ETHUSDT', amountUsdt: 100, name: 'eth-two' });
    await h.hub.lifecycle.start(aliceId, agent.id);
    await h.hub.lifecycle.start(aliceId, second.id);
    await alice.send('/panic');
    expect(alice.lastText()).toContain('stops ALL 2 running agent(s): btc-scalper, eth-two');
    await alice.send('yes');
    expect(alice.lastText()).toBe('Not confirmed. Nothing was stopped.');
    expect((await h.hub.agents.list(aliceId)).filter((a) => a.status === 'running')).toHaveLength(2);
    await alice.send('/panic');
    await alice.send('stop all');
    expect(alice.lastText()).toContain('Panic stop done. Stopped 2:');
    expect(alice.lastText()).toContain('⏸ btc-scalper — stopped');
    expect(alice.lastText()).toContain('⏸ eth-two — stopped');
    expect((await h.hub.agents.list(aliceId)).every((a) => a.status === 'stopped')).toBe(true);
    await alice.send('/panic');
    expect(alice.lastText()).toContain('Nothing to stop');

    await alice.press(`ag:D:${second.id}`);
    expect((await h.hub.agents.list(aliceId)).map((a) => a.name)).toEqual(['btc-scalper']);
  });

  it('/edit says which changes apply live and which need a restart', async () => {
    await h.hub.lifecycle.start(aliceId, agent.id);
    await alice.send('/edit btc-scalper');
    await alice.press('f:ef:tpPct');
    await alice.send('-3');
    expect(alice.texts().at(-2)).toContain('Take-profit must be a percent above 0');
    await alice.send('3');
    expect(alice.texts().at(-2)).toBe('💾 Saved. Applied live: Take-profit.');
    expect(h.runtime.configs.at(-1)).toEqual({ agentId: agent.id, body: { tpPct: 3 } });
    await alice.press('f:ef:leverage');
    await alice.press('f:lev:10');
    expect(alice.texts().at(-2)).toBe(`💾 Saved. Needs a restart: Leverage — /stop then /startagent ${agent.shortId}.`);
    await alice.press('f:ef:done');
    const view = await h.hub.agents.find(aliceId, agent.id);
    expect(view).toMatchObject({ tpPct: 3, leverage: 10 });
    await h.hub.lifecycle.stop(aliceId, agent.id);

    // The card's ✏️ and 📜 buttons lead to the same flow and to /logs.
    await alice.press(`ag:e:${agent.id}`);
    expect(alice.lastText()).toBe('✏️ Edit <b>btc-scalper</b>: which field?');
    await alice.press('f:ef:done');
    await alice.press(`ag:l:${agent.id}`);
    expect(
      h.api
        .succeeded('sendMessage')
        .filter((c) => c.chatId === '701')
        .map((c) => String(c.payload.text))
        .some((t) => t.startsWith('📜 <b>btc-scalper</b> — last 20 line(s)')),
    ).toBe(true);
  });

  it('/edit does not say "applied live" when the running agent cannot take the change', async () => {
    await h.hub.lifecycle.start(aliceId, agent.id);
    const configsBefore = h.runtime.configs.length;
    // The agent stops answering while the hub still counts it as running.
    const server = h.runtime.servers.get(agent.id)!;
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await alice.send('/edit btc-scalper');
    await alice.press('f:ef:tpPct');
    await alice.send('2.5');
    expect(alice.texts().at(-2)).toBe(
      '💾 Saved. Not applied live: Take-profit — the agent did not answer; it takes effect at the next start.',
    );
    await alice.press('f:ef:done');
    expect(h.runtime.configs).toHaveLength(configsBefore);
    // Saved all the same: the next start hands the agent the new value.
    expect((await h.hub.agents.find(aliceId, agent.id)).tpPct).toBe(2.5);
    await h.hub.lifecycle.stop(aliceId, agent.id);
  });

  it('/help, /symbols, /token and unknown commands', async () => {
    await alice.send('/help');
    expect(alice.lastText()).toContain('/create — Create a trading agent');
    await alice.send('/symbols');
    expect(alice.lastText()).toContain('BTCUSDT, ETHUSDT');
    await alice.send('/token');
    const token = /<code>([^<]+)<\/code>/.exec(alice.lastText())![1]!;
    expect(await h.hub.userTokens.verify(token)).toEqual({ userId: aliceId, status: 'active' });
    await alice.send('/token revoke');
    expect(alice.lastText()).toMatch(/revoked/i);
    await expect(h.hub.userTokens.verify(token)).rejects.toThrow(/revoked/);
    await alice.send('/token');
    const fresh = /<code>([^<]+)<\/code>/.exec(alice.lastText())![1]!;
    expect(await h.hub.userTokens.verify(fresh)).toEqual({ userId: aliceId, status: 'active' });
    await alice.send('/frobnicate');
    expect(alice.lastText()).toBe("I don't know /frobnicate. Send /help for the list of commands.");
  });

  it('in groups only admins are served', async () => {
    const stranger = h.user(703, -1001, 'group');
    await stranger.send('/agents');
    expect(stranger.lastText()).toBe('In groups I only take commands from admins. Message me privately: @artic_test_bot');
    const admin = h.user(777, -1001, 'group');
    await admin.send('/start');
    await admin.send('/agents');
    expect(admin.lastText()).toContain('You have no agents yet');
    await admin.send('/secrets');
    expect(admin.lastText()).toContain('only in a private chat');
  });
});

describe('positions that outlive a stop, and delete', () => {
  let carol: TestUser;
  let carolId: string;

  beforeAll(async () => {
    carol = h.user(704);
    await carol.send('/start');
    carolId = (await h.hub.users.byTelegramId(704))!.id;
  });

  /** A running agent of Carol's that holds a long (the in-test agents never close on /stop). */
  async function holding(name: string) {
    const a = await h.hub.agents.create(carolId, { symbol: 'BTCUSDT', amountUsdt: 100, name });
    await h.hub.lifecycle.start(carolId, a.id);
    const opened = await h.hub.broker.execute(a.id, {
      idempotencyKey: crypto.randomUUID(),
      action: 'open',
      side: 'long',
      amountUsdt: 100,
      reason: 'signal',
    });
    return { a, opened };
  }
  const lastEdit = () => h.api.succeeded('editMessageText').at(-1)!.payload;
  const buttonsOf = (payload: Record<string, unknown>) =>
    ((payload.reply_markup as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | undefined)?.inline_keyboard ?? [])
      .flat()
      .map((b) => b.callback_data ?? '');
  async function closedTrades(agentId: string): Promise<number> {
    const [row] = await h.orm.em
      .fork()
      .getConnection()
      .execute(`select count(*)::int as n from trades where agent_id = ? and status = 'closed'`, [agentId]);
    return Number(row.n);
  }

  it('a stop that leaves a position open says so, with Close now and Keep; Keep leaves it on the card; /agents marks it', async () => {
    const { a, opened } = await holding('held-btc');
    await carol.send('/stop held-btc');
    expect(carol.lastText()).toMatch(/^⏸ <b>held-btc<\/b> stopped\.\n⚠️ It still holds an open position: long [\d.]+ BTCUSDT @ [\d,.]+/);
    expect(carol.lastText()).toContain('Close it now at the market, or keep it?');
    expect(carol.lastButtons()).toEqual([`ag:c:${a.id}`, `ag:k:${a.id}`]);

    await carol.press(`ag:k:${a.id}`);
    const card = String(lastEdit().text);
    expect(card).toContain('Status: stopped');
    expect(card).toMatch(/Position: long [\d.]+ @ [\d,.]+/);
    expect(card).toContain('⚠️ Stopped with this position open: nothing manages it until you start the agent or close it.');
    expect(buttonsOf(lastEdit())).toContain(`ag:c:${a.id}`);
    expect((await h.hub.agents.find(carolId, a.id)).position?.tradeId).toBe(opened.tradeId);
    expect(await closedTrades(a.id)).toBe(0);

    await carol.send('/agents');
    expect(carol.lastText()).toContain(`⏸ <b>held-btc</b> · BTCUSDT · ⚠️ position open · PnL`);
    await carol.send('/agent held-btc');
    expect(carol.lastButtons()).toContain(`ag:c:${a.id}`);
  });

  it('Close now closes it at the market through the broker once, even pressed twice, and the card updates', async () => {
    const a = await h.hub.agents.find(carolId, 'held-btc');
    await carol.send('/agent held-btc');
    const cardId = h.api.succeeded('sendMessage').filter((c) => c.chatId === '704').length;
    await carol.press(`ag:c:${a.id}`, cardId);
    expect(await closedTrades(a.id)).toBe(1);
    expect(carol.lastText()).toMatch(/^✅ <b>held-btc<\/b>: long closed at [\d,.]+ · PnL [−+]?[\d.]+ USDT\.$/);
    const edit = lastEdit();
    expect(Number(edit.message_id)).toBe(cardId);
    expect(String(edit.text)).toContain('Position: flat');
    expect(String(edit.text)).not.toContain('Stopped with this position open');
    expect(buttonsOf(edit)).not.toContain(`ag:c:${a.id}`);

    await carol.press(`ag:c:${a.id}`, cardId);
    expect(await closedTrades(a.id)).toBe(1);
    expect(h.api.callsTo('answerCallbackQuery').at(-1)!.payload.text).toBe('held-btc holds no open position (it was closed already).');
    await carol.send('/agents');
    expect(carol.lastText()).not.toContain('position open');
  });

  it('/panic reports the positions that stayed open, each with a Close now button', async () => {
    const { a } = await holding('panic-held');
    const flat = await h.hub.agents.create(carolId, { symbol: 'ETHUSDT', amountUsdt: 100, name: 'panic-flat' });
    await h.hub.lifecycle.start(carolId, flat.id);
    await carol.send('/panic');
    await carol.send('STOP ALL');
    const text = carol.lastText();
    expect(text).toContain('Panic stop done. Stopped 2:');
    expect(text).toMatch(/⏸ panic-held — stopped · ⚠️ position still open: long [\d.]+ BTCUSDT @ [\d,.]+/);
    expect(text).toContain('⏸ panic-flat — stopped\n');
    expect(text).toContain('1 position stayed open: close it now, or keep it (the agent resumes it at its next start).');
    expect(carol.lastButtons()).toEqual([`ag:C:${a.id}`]);
    const edits = h.api.succeeded('editMessageText').length;
    await carol.press(`ag:C:${a.id}`);
    expect(await closedTrades(a.id)).toBe(1);
    expect(carol.lastText()).toMatch(/^✅ <b>panic-held<\/b>: long closed at /);
    // The panic summary stays as it was (it may list other positions).
    expect(h.api.succeeded('editMessageText')).toHaveLength(edits);
  });

  it('/delete of an agent holding a position is refused with Close and delete or Cancel; Close and delete closes, then deletes', async () => {
    const { a, opened } = await holding('del-held');
    await carol.send('/delete del-held');
    expect(carol.lastText()).toMatch(
      /^🗑 <b>del-held<\/b> holds an open position \(long [\d.]+ BTCUSDT @ [\d,.]+\): it cannot be deleted while the position is open\./,
    );
    expect(carol.lastText()).toContain('Close the position at the market and delete the agent?');
    expect(carol.lastButtons()).toEqual([`ag:X:${a.id}`, `ag:k:${a.id}`]);
    await carol.press(`ag:k:${a.id}`);
    expect((await h.hub.agents.find(carolId, a.id)).position?.tradeId).toBe(opened.tradeId);

    // A "Yes, delete it" from a confirmation shown while it was flat is refused the same way.
    await carol.press(`ag:D:${a.id}`);
    expect(String(lastEdit().text)).toContain('<b>del-held</b> holds an open position');
    expect(buttonsOf(lastEdit())).toEqual([`ag:X:${a.id}`, `ag:k:${a.id}`]);
    expect((await h.hub.agents.find(carolId, a.id)).status).toBe('running');

    await carol.press(`ag:X:${a.id}`);
    expect(String(lastEdit().text)).toMatch(/^🗑 <b>del-held<\/b> deleted\. Position: long closed at [\d,.]+ · PnL [−+]?[\d.]+ USDT\.$/);
    await expect(h.hub.agents.find(carolId, a.id)).rejects.toThrow(/No agent matches/);
    const [row] = await h.orm.em.fork().getConnection().execute('select count(*)::int as n from trades where id = ?', [opened.tradeId]);
    expect(Number(row.n)).toBe(0);
  });
});
