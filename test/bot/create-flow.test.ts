import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotHarness, type BotHarness } from '../support/bot-harness.js';

let h: BotHarness;
beforeAll(async () => {
  h = await createBotHarness({ env: { ACCESS_MODE: 'open' } });
});
afterAll(async () => h?.close());

const userId = async (telegramId: number) => (await h.hub.users.byTelegramId(telegramId))!.id;

describe('/create', () => {
  it('walks every step, refuses invalid answers with a reason and the same question, survives a restart, and launches', async () => {
    const alice = h.user(501);
    await alice.send('/start');
    expect(alice.lastText()).toContain('Welcome to <b>Artic</b>');

    await alice.send('/create');
    expect(alice.lastText()).toContain('Which pair');
    expect(alice.lastButtons()).toEqual(expect.arrayContaining(['f:sym:BTCUSDT', 'f:sym:ETHUSDT', 'f:sym:other']));

    await alice.send('NOPECOIN');
    const [refusal, again] = alice.texts().slice(-2);
    expect(refusal).toMatch(/^⚠️ Unknown symbol "NOPECOIN"/);
    expect(again).toContain('Which pair');

    await alice.send('eth/usdt');
    expect(alice.lastText()).toContain('Name the agent');
    expect(alice.lastButtons()).toEqual(['f:name:default']);
    await alice.send('bad name!!');
    expect(alice.texts().at(-2)).toContain('Name must be 1-32 letters');
    await alice.press('f:name:default');

    expect(alice.lastText()).toContain('How much capital');
    await alice.send('5');
    expect(alice.texts().at(-2)).toContain('Capital must be between 10 and 1,000,000 USDT, got 5');
    await alice.send('lots');
    expect(alice.texts().at(-2)).toContain('Capital must be a number');
    await alice.send('1,000 usdt');
    expect(alice.lastText()).toContain('Leverage, 1 – 20x');

    // The hub restarts: a new bot instance over the same database resumes the flow.
    h.restartBot();
    await alice.send('99');
    expect(alice.texts().at(-2)).toContain('Leverage must be a whole number from 1 to 20, got 99');
    expect(alice.lastText()).toContain('Leverage, 1 – 20x');
    await alice.press('f:lev:5');
    await alice.press('f:risk:aggressive');
    await alice.send('7m');
    expect(alice.texts().at(-2)).toContain('Timeframe must be one of 1m, 5m, 15m');
    await alice.press('f:tf:1h');
    await alice.send('2.5%');
    expect(alice.lastText()).toContain('Stop-loss');
    await alice.send('30');
    expect(alice.texts().at(-2)).toContain(
      'A 30% stop-loss at 5x leverage would be at or past the liquidation price (19.5% from the entry)',
    );
    await alice.send('1.5');
    await alice.press('f:mode:dynamic');

    expect(alice.lastText()).toContain('Which LLM');
    expect(alice.lastText()).toContain('No LLM key is available');
    expect(alice.lastButtons()).toEqual(['f:llm:none', 'f:llm:add']);
    await alice.send('openai');
    expect(alice.texts().at(-2)).toContain('There is no openai key for you yet');
    await alice.press('f:llm:none');

    expect(alice.lastText()).toContain('Paper trading or live');
    expect(alice.lastButtons()).toEqual(['f:live:paper', 'f:live:live']);
    await alice.press('f:live:paper');

    const summary = alice.lastText();
    expect(summary).toContain('Summary');
    expect(summary).toContain('Pair: <b>ETHUSDT</b>');
    expect(summary).toContain('Name: <b>eth-agent</b>');
    expect(summary).toContain('Capital: 1000 USDT · Leverage 5x');
    expect(summary).toContain('Take-profit 2.5% · Stop-loss 1.5% · dynamic (ATR)');
    expect(alice.lastButtons()).toEqual(['f:sum:launch', 'f:sum:edit', 'f:sum:cancel']);

    // Edit one field from the summary, then launch.
    await alice.press('f:sum:edit');
    await alice.press('f:field:amountUsdt');
    await alice.send('750');
    expect(alice.lastText()).toContain('Capital: 750 USDT');

    const before = h.api.calls.length;
    await alice.press('f:sum:launch');
    const progress = h.api.calls
      .slice(before)
      .filter((c) => c.chatId === '501' && (c.method === 'sendMessage' || c.method === 'editMessageText'));
    expect(progress[0]).toMatchObject({ method: 'sendMessage' });
    expect(String(progress[0]!.payload.text)).toContain('Creating <b>eth-agent</b>');
    const progressId = h.api.succeeded('sendMessage').filter((c) => c.chatId === '501').length;
    const edits = progress.filter((c) => c.method === 'editMessageText');
    expect(edits.map((c) => Number(c.payload.message_id))).toEqual(edits.map(() => progressId));
    expect(edits.map((c) => String(c.payload.text))).toEqual([
      expect.stringMatching(/^⏳ Starting <b>eth-agent<\/b>/),
      expect.stringMatching(/^✅ <b>eth-agent<\/b> is running/),
    ]);

    const agents = await h.hub.agents.list(await userId(501));
    expect(agents).toHaveLength(1);
    expect(agents[0]).toMatchObject({
      name: 'eth-agent',
      symbol: 'ETHUSDT',
      amountUsdt: 750,
      leverage: 5,
      riskProfile: 'aggressive',
      timeframe: '1h',
      tpPct: 2.5,
      slPct: 1.5,
      tpSlMode: 'dynamic',
      llmProvider: null,
      liveMode: false,
      status: 'running',
    });

    // The flow is over: its state is gone.
    expect(await h.store.list('flow:501:')).toEqual([]);
    await h.hub.lifecycle.stop(await userId(501), agents[0]!.id);
  });

  it('reports a failed launch in the same progress message', async () => {
    const fail = await createBotHarness({ env: { ACCESS_MODE: 'open' }, failStart: () => true });
    try {
      const bob = fail.user(502);
      await bob.send('/start');
      await bob.send('/create');
      for (const step of [
        'f:sym:BTCUSDT',
        'f:name:default',
        'f:amt:100',
        'f:lev:2',
        'f:risk:moderate',
        'f:tf:15m',
        'f:tp:skip',
        'f:sl:skip',
        'f:mode:fixed',
        'f:llm:none',
        'f:live:paper',
        'f:sum:launch',
      ]) {
        await bob.press(step);
      }
      const edits = fail.api.succeeded('editMessageText').filter((c) => c.chatId === '502');
      const last = String(edits.at(-1)!.payload.text);
      expect(last).toContain('❌ Could not launch');
      expect(last).toContain('/startagent');
      const [agent] = await fail.hub.agents.list((await fail.hub.users.byTelegramId(502))!.id);
      expect(agent!.status).toBe('failed');
    } finally {
      await fail.close();
    }
  });

  it('refuses a stop-loss at or past liquidation without a take-profit, also when the leverage is raised afterwards', async () => {
    const erin = h.user(505);
    await erin.send('/start');
    await erin.send('/create');
    for (const step of ['f:sym:BTCUSDT', 'f:name:default', 'f:amt:100', 'f:lev:10', 'f:risk:moderate', 'f:tf:15m', 'f:tp:skip'])
      await erin.press(step);
    expect(erin.lastText()).toContain('Stop-loss');
    // 10x: liquidation is 9.5 % from the entry (0.5 % maintenance margin), so 9.7 % is past it.
    await erin.send('9.7');
    expect(erin.texts().at(-2)).toContain(
      'A 9.7% stop-loss at 10x leverage would be at or past the liquidation price (9.5% from the entry)',
    );
    expect(erin.lastText()).toContain('Stop-loss');
    await erin.send('5');
    for (const step of ['f:mode:fixed', 'f:llm:none', 'f:live:paper']) await erin.press(step);
    expect(erin.lastText()).toContain('Summary');

    // Raising the leverage from the summary under the 5 % stop is refused at once.
    await erin.press('f:sum:edit');
    await erin.press('f:field:leverage');
    await erin.press('f:lev:20');
    expect(erin.texts().at(-2)).toContain('A 5% stop-loss at 20x leverage would be at or past the liquidation price (4.5% from the entry)');
    expect(erin.lastText()).toContain('Leverage, 1 – 20x');
    await erin.press('f:lev:5');
    expect(erin.lastText()).toContain('Summary');
    await erin.press('f:sum:cancel');
    expect(await h.hub.agents.list(await userId(505))).toEqual([]);
  });

  it('/edit refuses a leverage that puts the stop-loss past liquidation when no take-profit is set', async () => {
    const fay = h.user(506);
    await fay.send('/start');
    const agent = await h.hub.agents.create(await userId(506), {
      symbol: 'BTCUSDT',
      amountUsdt: 100,
      name: 'no-tp',
      leverage: 5,
      slPct: 8,
    });
    await fay.send('/edit no-tp');
    await fay.press('f:ef:leverage');
    await fay.press('f:lev:20');
    expect(fay.texts().at(-2)).toContain(
      '⚠️ A 8% stop-loss at 20x leverage would be at or past the liquidation price (4.5% from the entry)',
    );
    await fay.press('f:ef:slPct');
    await fay.send('19.6');
    expect(fay.texts().at(-2)).toContain(
      'A 19.6% stop-loss at 5x leverage would be at or past the liquidation price (19.5% from the entry)',
    );
    expect(fay.texts().at(-2)).not.toContain('Saved');
    await fay.send('/cancel');
    expect(await h.hub.agents.find(await userId(506), agent.id)).toMatchObject({ leverage: 5, slPct: 8 });
  });

  it('/cancel works at any step and leaves nothing behind', async () => {
    const carol = h.user(503);
    await carol.send('/start');
    await carol.send('/create');
    await carol.press('f:sym:SOLUSDT');
    await carol.send('/frobnicate');
    expect(carol.lastText()).toContain("I don't know /frobnicate. You are still in /create");
    await carol.send('/cancel');
    expect(carol.lastText()).toContain('/create cancelled');
    expect(await h.store.list('flow:503:')).toEqual([]);
    await carol.send('/cancel');
    expect(carol.lastText()).toBe('There is nothing to cancel.');
    expect(await h.hub.agents.list(await userId(503))).toEqual([]);
  });

  it('expires an idle flow after 10 minutes: lazily on the next message, or by the sweep', async () => {
    const dave = h.user(504);
    await dave.send('/start');
    await dave.send('/create');
    await dave.press('f:sym:BTCUSDT');
    h.clock.now += 9 * 60_000;
    await dave.send('btc-one'); // still alive after 9 minutes
    expect(dave.lastText()).toContain('How much capital');
    h.clock.now += 10 * 60_000 + 1;
    await dave.send('500');
    expect(dave.lastText()).toContain('⌛ /create expired after 10 minutes');
    expect(dave.texts().at(-2)).toContain('How much capital'); // the late answer went nowhere else
    expect(await h.store.list('flow:504:')).toEqual([]);

    await dave.send('/create');
    h.clock.now += 11 * 60_000;
    expect(await h.artic.sweepIdleFlows()).toBe(1);
    expect(dave.lastText()).toContain('⌛ /create expired');
    // A command after expiry still runs.
    await dave.send('/create');
    h.clock.now += 11 * 60_000;
    await dave.send('/agents');
    expect(dave.texts().slice(-2)).toEqual([expect.stringContaining('⌛ /create expired'), 'You have no agents yet. /create makes one.']);
    await dave.send('/create');
    h.clock.now += 11 * 60_000;
    expect(await h.artic.sweepIdleFlows()).toBe(1);
    expect(dave.lastText()).toContain('⌛ /create expired');
    expect(await h.store.list('flow:504:')).toEqual([]);
  });
});

describe('/create with server-wide HashKey keys in the environment', () => {
  let hk: BotHarness;
  const UP_TO_MODE = [
    'f:sym:BTCUSDT',
    'f:name:default',
    'f:amt:100',
    'f:lev:2',
    'f:risk:moderate',
    'f:tf:15m',
    'f:tp:skip',
    'f:sl:skip',
    'f:mode:fixed',
    'f:llm:none',
  ];
  beforeAll(async () => {
    hk = await createBotHarness({
      env: {
        ACCESS_MODE: 'approval',
        ADMIN_TELEGRAM_IDS: '510',
        HASHKEY_API_KEY: 'operator-hashkey-key-0001',
        HASHKEY_SECRET: 'operator-hashkey-secret-0001',
      },
    });
  });
  afterAll(async () => hk?.close());

  it('offers Live on them to an admin only; anyone else is told to store their own keys first', async () => {
    const admin = hk.user(510);
    await admin.send('/start');
    const trader = hk.user(511);
    await trader.send('/start');
    await admin.send('/approve 511');
    for (const who of [admin, trader]) {
      await who.send('/create');
      for (const step of UP_TO_MODE) await who.press(step);
      expect(who.lastText()).toContain('Paper trading or live');
    }
    const liveLabel = (chat: number) => {
      const sent = hk.api
        .succeeded('sendMessage')
        .filter((c) => c.chatId === String(chat))
        .at(-1)!;
      const rows = (sent.payload.reply_markup as { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> })
        .inline_keyboard;
      return rows.flat().find((b) => b.callback_data === 'f:live:live')!.text;
    };
    expect(liveLabel(510)).toBe('💰 Live on HashKey');
    expect(liveLabel(511)).toBe('💰 Live — store your own HashKey keys first');
    await trader.press('f:live:live');
    expect(trader.texts().at(-2)).toContain('Live trading needs your own HashKey API key and secret');
    expect(trader.lastText()).toContain('HashKey API key');
    await trader.send('/cancel');
    await admin.press('f:live:live');
    expect(admin.lastText()).toContain('Mode: 💰 LIVE on HashKey');
    await admin.send('/cancel');
  });
});

describe('/create at the quotas', () => {
  let q: BotHarness;
  beforeAll(async () => {
    q = await createBotHarness({
      env: { ACCESS_MODE: 'open', ADMIN_TELEGRAM_IDS: '520', MAX_AGENTS_PER_USER: '2', MAX_RUNNING_AGENTS_PER_USER: '1' },
    });
  });
  afterAll(async () => q?.close());

  it('says at once when the user may not run another agent, and starts no flow', async () => {
    const erin = q.user(521);
    await erin.send('/start');
    const id = (await q.hub.users.byTelegramId(521))!.id;
    const first = await q.hub.agents.create(id, { name: 'first', symbol: 'BTCUSDT', amountUsdt: 100 });
    await q.hub.lifecycle.start(id, first.id);
    await erin.send('/create');
    expect(erin.lastText()).toBe('⚠️ 1 of your agents is running, the most this server allows one user at once. Stop one (/stop) first.');
    expect(await q.store.list('flow:521:')).toEqual([]);

    await q.hub.lifecycle.stop(id, first.id);
    await q.hub.agents.create(id, { name: 'second', symbol: 'ETHUSDT', amountUsdt: 100 });
    await erin.send('/create');
    expect(erin.lastText()).toBe('⚠️ You have 2 agents, the most this server allows one user. Delete one (/delete) to make room.');
    expect(await q.store.list('flow:521:')).toEqual([]);
    expect(await q.hub.agents.list(id)).toHaveLength(2);

    // Admins are exempt.
    const admin = q.user(520);
    await admin.send('/start');
    const adminId = (await q.hub.users.byTelegramId(520))!.id;
    for (const name of ['x', 'y']) await q.hub.agents.create(adminId, { name, symbol: 'BTCUSDT', amountUsdt: 100 });
    await admin.send('/create');
    expect(admin.lastText()).toContain('Which pair');
    await admin.send('/cancel');
  });
});
