/**
 * Operator alerts over real sources, wired as the hub wires them (`operatorAlertsFor`): the port
 * pool of a small range with real allocations, the Twelve Data credit counter in PostgreSQL, the
 * chain logger's signer balance read from a real anvil node, and repeated `agent.crashed` events.
 * Every alert goes through the real outbound queue to the Bot API stand-in, to every admin id of
 * the config; each fires once per episode and again after recovery or after the re-arm period.
 */
import { Wallet, parseEther } from 'ethers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOutboundQueue, type OutboundQueue } from '../../src/bot/outbound-queue.js';
import { operatorAlertsFor } from '../../src/bot/telegram.js';
import type { OperatorAlert, OperatorAlerts } from '../../src/hub/alerts/operator-alerts.js';
import { createDisabledChainLogger } from '../../src/hub/chain/chain-logger.js';
import { HubEvents } from '../../src/hub/events.js';
import { createCandleLimiter } from '../../src/hub/market/candle-limiter.js';
import { createMemoryCreditStore, utcDay } from '../../src/hub/market/credit-store.js';
import { createPgCreditStore } from '../../src/hub/market/pg-credit-store.js';
import type { HubEventMap } from '../../src/hub/events.js';
import { startAnvil, type AnvilHandle } from '../support/anvil.js';
import { createBotHarness, type BotHarness } from '../support/bot-harness.js';
import { freePortRange } from '../support/ports.js';

const ADMINS = [700, 701];
const PORTS = 20;
const HOUR = 3_600_000;
const portAlerts = (sent: OperatorAlert[]) => sent.filter((a) => a.kind === 'ports');

let h: BotHarness;
let anvil: AnvilHandle;
let queue: OutboundQueue;
let alerts: OperatorAlerts;
let now = Date.UTC(2026, 11, 3, 12, 0, 0);
const signer = Wallet.createRandom();

beforeAll(async () => {
  anvil = await startAnvil({ chainId: 133 });
  const { from } = await freePortRange(PORTS);
  h = await createBotHarness({
    env: {
      ACCESS_MODE: 'approval',
      ADMIN_TELEGRAM_IDS: ADMINS.join(','),
      AGENT_PORT_RANGE: `${from}-${from + PORTS - 1}`,
      MAX_AGENTS_PER_USER: '50',
      MARKET_DATA: 'twelvedata',
      TWELVE_DATA_API_KEY: 'td-test-key',
      TWELVE_DATA_BASE_URL: 'http://127.0.0.1:9',
      TWELVE_DATA_DAILY_CREDITS: '100',
      HSK_RPC_URL: anvil.rpcUrl,
      HSK_PRIVATE_KEY: signer.privateKey,
      DECISION_LOGGER_ADDRESS: Wallet.createRandom().address,
      TRADE_LOGGER_ADDRESS: Wallet.createRandom().address,
      OPERATOR_SIGNER_MIN_BALANCE: '1',
      OPERATOR_ALERT_REARM_HOURS: '24',
    },
  });
  queue = createOutboundQueue({ store: h.hub.alerts.outbox, api: h.artic.directApi, perChatIntervalMs: 1, globalPerSecond: 1000 });
  await queue.start();
  alerts = operatorAlertsFor(h.config, h.hub, queue, { now: () => now });
  await setBalance('100'); // a fresh key holds nothing: fund it, so only the signer test sees it low
}, 60_000);

afterAll(async () => {
  await alerts?.stop();
  await queue?.stop();
  await h?.close();
  await anvil?.stop();
});

beforeEach(() => h.api.reset());

/** Texts the admins received since the last reset, per admin. */
async function adminTexts(): Promise<string[][]> {
  await alerts.settled();
  await queue.settled();
  return ADMINS.map((id) =>
    h.api
      .succeeded('sendMessage')
      .filter((c) => c.chatId === String(id))
      .map((c) => String(c.payload.text)),
  );
}

async function setBalance(ether: string): Promise<void> {
  const res = await fetch(anvil.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'anvil_setBalance',
      params: [signer.address, `0x${parseEther(ether).toString(16)}`],
    }),
  });
  expect(((await res.json()) as { error?: unknown }).error).toBeUndefined();
}

describe('the port pool', () => {
  const agentIds: string[] = [];
  beforeAll(async () => {
    const owner = (await h.hub.users.register(ADMINS[0]!, 'Admin')).user;
    for (let n = 0; n < PORTS; n++)
      agentIds.push((await h.hub.agents.create(owner.id, { symbol: 'BTCUSDT', amountUsdt: 100, name: `pool-${n}` })).id);
  });
  const allocateUpTo = async (count: number) => {
    for (const id of agentIds.slice(0, count)) await h.hub.ports.allocate(id);
  };
  const releaseDownTo = async (count: number) => {
    for (const id of agentIds.slice(count)) await h.hub.ports.release(id);
  };

  it('alerts every admin once at 90 %, again after it fell clearly below, and after the re-arm period', async () => {
    await allocateUpTo(17);
    expect(await h.hub.ports.usage()).toEqual({ used: 17, size: PORTS });
    expect(portAlerts(await alerts.check())).toEqual([]);

    await allocateUpTo(18);
    expect(portAlerts(await alerts.check())).toEqual([{ kind: 'ports', used: 18, size: PORTS, pct: 90 }]);
    for (const t of await adminTexts()) {
      expect(t.filter((x) => x.includes('port pool'))).toEqual([expect.stringContaining('<b>90 %</b> full (18 of 20 ports)')]);
    }

    // Same episode: full, then hovering around the threshold (85 % is not a recovery) — nothing new.
    await allocateUpTo(20);
    expect(portAlerts(await alerts.check())).toEqual([]);
    await releaseDownTo(17);
    expect(portAlerts(await alerts.check())).toEqual([]);
    await allocateUpTo(18);
    expect(portAlerts(await alerts.check())).toEqual([]);

    // Recovered (80 % < 90 − 5), then crossing again alerts again.
    await releaseDownTo(16);
    expect(portAlerts(await alerts.check())).toEqual([]);
    await allocateUpTo(18);
    expect(portAlerts(await alerts.check())).toHaveLength(1);

    // Never recovering: once more after the re-arm period, not before.
    now += 23 * HOUR;
    expect(portAlerts(await alerts.check())).toEqual([]);
    now += 1 * HOUR;
    expect(portAlerts(await alerts.check())).toHaveLength(1);
    await releaseDownTo(0);
    await alerts.check();
  });
});

describe('the Twelve Data budget', () => {
  const store = () => createPgCreditStore(h.orm, 'twelvedata');
  const today = () => utcDay(Date.now());

  it('alerts once when the credits used today reach 90 %, and again on the next day that reaches it', async () => {
    await store().add(today(), 89);
    expect((await alerts.check()).filter((a) => a.kind === 'credits')).toEqual([]);
    await store().add(today(), 1);
    expect((await alerts.check()).filter((a) => a.kind === 'credits')).toEqual([{ kind: 'credits', used: 90, limit: 100, pct: 90 }]);
    await store().add(today(), 5);
    expect((await alerts.check()).filter((a) => a.kind === 'credits')).toEqual([]);
    for (const t of await adminTexts()) {
      expect(t.filter((x) => x.includes('Twelve Data'))).toEqual([
        expect.stringContaining("<b>90 %</b> of today's Twelve Data credits are used (90 of 100)"),
      ]);
    }

    // The counter starts again (as at 00:00 UTC): recovered; reaching 90 % again alerts again.
    await h.orm.em.getConnection().execute(`update api_credits set used = 10 where provider = 'twelvedata'`);
    expect((await alerts.check()).filter((a) => a.kind === 'credits')).toEqual([]);
    await store().add(today(), 85);
    expect((await alerts.check()).filter((a) => a.kind === 'credits')).toEqual([expect.objectContaining({ used: 95 })]);
  });
});

describe("the chain signer's balance (anvil)", () => {
  it('alerts below the minimum, stays quiet while it hovers, and again after a real recovery', async () => {
    await setBalance('0.25');
    const [first] = (await alerts.check()).filter((a) => a.kind === 'signer.balance');
    expect(first).toEqual({ kind: 'signer.balance', balance: '0.25', min: '1.0' });
    for (const t of await adminTexts()) {
      expect(t.filter((x) => x.includes('signer'))).toEqual([
        expect.stringContaining("the chain signer's balance is <b>0.25 HSK</b>, under the 1 HSK minimum"),
      ]);
    }
    expect((await alerts.check()).filter((a) => a.kind === 'signer.balance')).toEqual([]);

    // Just over the minimum is not a recovery (hysteresis): dipping again stays the same episode.
    await setBalance('1.05');
    expect((await alerts.check()).filter((a) => a.kind === 'signer.balance')).toEqual([]);
    await setBalance('0.5');
    expect((await alerts.check()).filter((a) => a.kind === 'signer.balance')).toEqual([]);

    await setBalance('2');
    expect((await alerts.check()).filter((a) => a.kind === 'signer.balance')).toEqual([]);
    await setBalance('0.5');
    expect((await alerts.check()).filter((a) => a.kind === 'signer.balance')).toEqual([expect.objectContaining({ balance: '0.5' })]);
    await setBalance('100');
    await alerts.check();
  });
});

describe('repeated crashes of one agent', () => {
  const crash = (agentId: string, reason = 'exit code 1'): HubEventMap['agent.crashed'] => ({
    agentId,
    ownerId: 'owner',
    agentName: 'Loop <bot>',
    exitCode: 1,
    oom: false,
    reason,
    lastLogs: [],
    willRestart: true,
  });
  const A = '0a0a0a0a-1111-4222-8333-444455556666';
  const B = '0b0b0b0b-1111-4222-8333-444455556666';

  it('alerts at the third crash within 15 min, once per episode, and again after a quiet window', async () => {
    await alerts.stop();
    alerts.start();
    try {
      h.hub.events.emit('agent.crashed', crash(A));
      now += 60_000;
      h.hub.events.emit('agent.crashed', crash(B));
      h.hub.events.emit('agent.crashed', crash(A));
      expect((await adminTexts()).flat().filter((t) => t.includes('crashed'))).toEqual([]);
      now += 60_000;
      h.hub.events.emit('agent.crashed', crash(A, 'segfault & <core>'));
      h.hub.events.emit('agent.crashed', crash(A));
      for (const t of await adminTexts()) {
        expect(t.filter((x) => x.includes('crashed'))).toEqual([
          '💥 <b>Operator:</b> <b>Loop &lt;bot&gt;</b> <code>0a0a0a0a</code> crashed <b>3 times</b> within 15 min.\nLast reason: segfault &amp; &lt;core&gt;',
        ]);
      }

      // Quiet for a whole window: recovered; three crashes again alert again.
      now += 16 * 60_000;
      await alerts.check();
      expect(await alerts.crashed(crash(A))).toBeNull();
      expect(await alerts.crashed(crash(A))).toBeNull();
      expect(await alerts.crashed(crash(A))).toEqual(expect.objectContaining({ kind: 'crashes', agentId: A, count: 3 }));
      // Crashes spread wider than the window never add up to an alert.
      for (let n = 0; n < 5; n++) {
        now += 8 * 60_000;
        expect(await alerts.crashed(crash(B))).toBeNull();
      }
    } finally {
      await alerts.stop();
    }
    for (const t of await adminTexts()) expect(t.filter((x) => x.includes('Last reason: exit code 1'))).toHaveLength(1);
    // Stopped: crashes are no longer counted from events.
    h.api.reset();
    for (let n = 0; n < 4; n++) h.hub.events.emit('agent.crashed', crash('0c0c0c0c-1111-4222-8333-444455556666'));
    expect((await adminTexts()).flat()).toEqual([]);
  });
});

describe('readings that do not apply', () => {
  it('reads neither the signer without chain logging nor the credits of a market that is not Twelve Data', async () => {
    const spent = createCandleLimiter({ creditStore: createMemoryCreditStore({ [utcDay(Date.now())]: 100 }), dailyCredits: 100 });
    expect(await spent.creditsToday()).toEqual({ used: 100, limit: 100 });
    const events = new HubEvents();
    const hub = {
      chain: createDisabledChainLogger(),
      market: { ...h.hub.market, provider: 'hashkey' as const, limiter: spent },
      ports: { ...h.hub.ports, usage: async () => ({ used: 0, size: 10 }) },
      events,
      users: h.hub.users,
    };
    const sent: string[] = [];
    const quiet = operatorAlertsFor(h.config, hub, { enqueue: (m) => sent.push(m.text) });
    expect(await quiet.check()).toEqual([]);
    const asTwelveData = operatorAlertsFor(
      h.config,
      { ...hub, market: { ...hub.market, provider: 'twelvedata' } },
      { enqueue: (m) => sent.push(m.text) },
    );
    expect((await asTwelveData.check()).map((a) => a.kind)).toEqual(['credits']);
    expect(sent).toHaveLength(ADMINS.length);
  });
});
