import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentDirectory, type AgentDirectory } from '../../../src/hub/agents/agent-directory.js';
import { validateAgentInput } from '../../../src/hub/agents/agent-input.js';
import { createUserService } from '../../../src/hub/users.js';
import type { Orm } from '../../../src/db/orm.js';
import { createTestOrm } from '../../support/db.js';

let close: () => Promise<void>;
let orm: Orm;
let dir: AgentDirectory;
let alice: string;
let bob: string;

beforeAll(async () => {
  const t = await createTestOrm('dir');
  close = t.close;
  orm = t.orm;
  const users = createUserService({ orm: t.orm, accessMode: 'approval', adminIds: [1] });
  alice = (await users.register(1, 'Alice')).user.id;
  bob = (await users.register(2, 'Bob')).user.id;
  dir = createAgentDirectory({ orm: t.orm, limits: { maxLeverage: 20 } });
});
afterAll(() => close?.());

describe('agent directory', () => {
  it('finds by full id, id prefix and name (case-insensitive), scoped to the owner', async () => {
    const a = await dir.create(alice, { name: 'Scalper', symbol: 'btcusdt', amountUsdt: 250 });
    expect(a.symbol).toBe('BTCUSDT');
    expect(a.leverage).toBe(5);
    expect((await dir.find(alice, a.id)).id).toBe(a.id);
    expect((await dir.find(alice, a.shortId)).id).toBe(a.id);
    expect((await dir.find(alice, a.id.slice(0, 4))).id).toBe(a.id);
    expect((await dir.find(alice, 'scalper')).id).toBe(a.id);
    // Bob sees nothing of Alice's, exactly as if it did not exist.
    for (const ref of [a.id, a.shortId, 'Scalper']) {
      await expect(dir.find(bob, ref)).rejects.toThrow(`No agent matches "${ref}"`);
    }
    await expect(dir.edit(bob, a.id, { leverage: 2 })).rejects.toThrow(/No agent matches/);
    await expect(dir.remove(bob, a.id)).rejects.toThrow(/No agent matches/);
  });

  it('refuses duplicate names per owner but allows them across owners', async () => {
    await dir.create(alice, { name: 'dup', symbol: 'ETHUSDT', amountUsdt: 100 });
    await expect(dir.create(alice, { name: 'DUP'.toLowerCase(), symbol: 'ETHUSDT', amountUsdt: 100 })).rejects.toThrow(
      /already have an agent named "dup"/,
    );
    await expect(dir.create(bob, { name: 'dup', symbol: 'ETHUSDT', amountUsdt: 100 })).resolves.toMatchObject({ name: 'dup' });
  });

  it('says which edited fields apply live and which need a restart', async () => {
    const a = await dir.create(alice, { name: 'editme', symbol: 'SOLUSDT', amountUsdt: 100 });
    const idle = await dir.edit(alice, a.id, { leverage: 3 });
    expect(idle).toMatchObject({ liveChanges: [], needsRestart: [] });
    expect(idle.agent.leverage).toBe(3);
    await expect(dir.edit(alice, a.id, { leverage: 50 })).rejects.toThrow(
      'Leverage must be a whole number from 1 to 20, got 50. Type e.g. 5.',
    );
  });

  it('refuses a symbol change while a position is open, even with the agent stopped', async () => {
    const a = await dir.create(alice, { name: 'holder', symbol: 'BTCUSDT', amountUsdt: 100 });
    await orm.em.getConnection().execute(`update agents set status = 'stopped', position = ?::jsonb where id = ?`, [
      JSON.stringify({
        tradeId: 't',
        side: 'long',
        qty: 1,
        entryPrice: 1,
        leverage: 1,
        margin: 1,
        liquidationPrice: null,
        tpPrice: null,
        slPrice: null,
        openedAt: new Date().toISOString(),
      }),
      a.id,
    ]);
    await expect(dir.edit(alice, a.id, { symbol: 'ETHUSDT' })).rejects.toThrow(/symbol change with an open position/);
    expect((await dir.edit(alice, a.id, { leverage: 2 })).agent.leverage).toBe(2);
  });

  it('sorts the changes of an active agent into live ones and those that need a restart', async () => {
    const a = await dir.create(alice, { name: 'runner', symbol: 'BTCUSDT', amountUsdt: 100, tpPct: 2 });
    await orm.em.getConnection().execute(`update agents set status = 'running' where id = ?`, [a.id]);
    const r = await dir.edit(alice, a.id, { tpPct: 3, maxSessionLossPct: 5, leverage: 4, liveMode: true });
    expect(r.liveChanges.sort()).toEqual(['maxSessionLossPct', 'tpPct']);
    expect(r.needsRestart.sort()).toEqual(['leverage', 'liveMode']);
  });

  it('refuses a symbol change while the agent is active; allows it stopped and flat', async () => {
    const a = await dir.create(alice, { name: 'mover', symbol: 'BTCUSDT', amountUsdt: 100 });
    for (const status of ['starting', 'running', 'stopping']) {
      await orm.em.getConnection().execute(`update agents set status = ? where id = ?`, [status, a.id]);
      await expect(dir.edit(alice, a.id, { symbol: 'ETHUSDT' })).rejects.toMatchObject({
        name: 'AgentStateError',
        userMessage: `mover is ${status}: stop it before changing its pair.`,
      });
    }
    await orm.em.getConnection().execute(`update agents set status = 'stopped' where id = ?`, [a.id]);
    expect((await dir.edit(alice, a.id, { symbol: 'ETHUSDT' })).agent.symbol).toBe('ETHUSDT');
  });

  it("moves the stored position's level with a TP/SL percent change (what the next start hands back)", async () => {
    const a = await dir.create(alice, { name: 'keeper', symbol: 'BTCUSDT', amountUsdt: 100, tpPct: 10, slPct: 5 });
    const position = {
      tradeId: 't',
      side: 'short',
      qty: 1,
      entryPrice: 200,
      leverage: 1,
      margin: 200,
      liquidationPrice: null,
      tpPrice: 180,
      slPrice: 205,
      openedAt: new Date().toISOString(),
    };
    await orm.em
      .getConnection()
      .execute(`update agents set status = 'stopped', position = ?::jsonb where id = ?`, [JSON.stringify(position), a.id]);
    // The SL (205, moved by the supervisor from 210) stays; the TP moves to 2 % below the entry.
    const r = await dir.edit(alice, a.id, { tpPct: 2 });
    expect(r.agent.position).toMatchObject({ tradeId: 't', tpPrice: 196, slPrice: 205 });
    expect((await dir.find(alice, a.id)).position).toMatchObject({ tpPrice: 196, slPrice: 205 });
    expect((await dir.edit(alice, a.id, { slPct: null })).agent.position).toMatchObject({ tpPrice: 196, slPrice: null });
    // Other changes leave the levels alone.
    expect((await dir.edit(alice, a.id, { leverage: 3 })).agent.position).toMatchObject({ tpPrice: 196, slPrice: null });
  });

  it('validates input with messages that say what to type', () => {
    expect(() => validateAgentInput({ symbol: 'BTCUSDT', amountUsdt: 5 }, { maxLeverage: 20 })).toThrow(
      'Capital must be between 10 and 1,000,000 USDT, got 5. Type a number like 500.',
    );
    expect(() => validateAgentInput({ symbol: 'BTCUSDT', amountUsdt: 100, timeframe: '2h' as never }, { maxLeverage: 20 })).toThrow(
      /Timeframe must be one of 1m, 5m/,
    );
    expect(() =>
      validateAgentInput({ symbol: 'BTCUSDT', amountUsdt: 100, leverage: 10, tpPct: 5, slPct: 12 }, { maxLeverage: 20 }),
    ).toThrow(/past the liquidation price/);
  });

  it('refuses a stop-loss at or beyond the liquidation price with or without a take-profit, in any TP/SL mode', async () => {
    const limits = { maxLeverage: 20 };
    // 10x with a 0.5 % maintenance margin: liquidation is 9.5 % from the entry.
    for (const tpPct of [null, 5]) {
      for (const tpSlMode of ['fixed', 'dynamic'] as const) {
        expect(() => validateAgentInput({ symbol: 'BTCUSDT', amountUsdt: 100, leverage: 10, tpPct, tpSlMode, slPct: 12 }, limits)).toThrow(
          'A 12% stop-loss at 10x leverage would be at or past the liquidation price (9.5% from the entry). Choose a stop-loss below 9.5% or a lower leverage.',
        );
        expect(() => validateAgentInput({ symbol: 'BTCUSDT', amountUsdt: 100, leverage: 10, tpPct, tpSlMode, slPct: 9.7 }, limits)).toThrow(
          /past the liquidation price/,
        );
        expect(validateAgentInput({ symbol: 'BTCUSDT', amountUsdt: 100, leverage: 10, tpPct, tpSlMode, slPct: 9.4 }, limits).slPct).toBe(
          9.4,
        );
      }
    }
    // /edit: raising the leverage under an existing stop-loss (no take-profit) is refused too.
    const a = await dir.create(alice, { name: 'no-tp', symbol: 'BTCUSDT', amountUsdt: 100, leverage: 5, slPct: 8 });
    await expect(dir.edit(alice, a.id, { leverage: 20 })).rejects.toThrow(
      /An? 8% stop-loss at 20x leverage would be at or past the liquidation price \(4\.5% from the entry\)/,
    );
    expect((await dir.find(alice, a.id)).leverage).toBe(5);
  });
});
