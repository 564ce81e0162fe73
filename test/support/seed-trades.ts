/**
 * Closed trades written straight through the ORM, for tests of what reads them (analytics, /profit).
 * Each gets a unique idempotency key; unset fields take plain defaults (a long 1 BTC at 100).
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { TradeSchema } from '../../src/db/entities/index.js';
import type { Orm } from '../../src/db/orm.js';

export interface SeedTrade {
  agentId: string;
  pnl: number;
  closedAt: Date;
  /** Default: one hour before `closedAt`. */
  openedAt?: Date;
  fees?: number;
  closeReason?: string | null;
  live?: boolean;
  side?: 'long' | 'short';
  qty?: number;
  entryPrice?: number;
  exitPrice?: number;
  margin?: number;
  leverage?: number;
  /** `open` leaves exit, PnL and close time unset. */
  status?: 'open' | 'closed';
}

/** Inserts the trades in one flush; returns their ids in the given order. */
export async function seedTrades(orm: Orm, trades: readonly SeedTrade[]): Promise<string[]> {
  const em = orm.em.fork() as EntityManager;
  const ids = trades.map((t) => {
    const open = t.status === 'open';
    const row = em.create(TradeSchema, {
      id: randomUUID(),
      agent: t.agentId,
      side: t.side ?? 'long',
      qty: t.qty ?? 1,
      leverage: t.leverage ?? 1,
      margin: t.margin ?? 100,
      entryPrice: t.entryPrice ?? 100,
      exitPrice: open ? null : (t.exitPrice ?? 100 + t.pnl),
      liquidationPrice: null,
      fees: t.fees ?? 0,
      pnl: open ? null : t.pnl,
      status: open ? 'open' : 'closed',
      closeReason: open ? null : (t.closeReason ?? 'signal reversed (0.6)'),
      live: t.live ?? false,
      openedAt: t.openedAt ?? new Date(t.closedAt.getTime() - 3_600_000),
      closedAt: open ? null : t.closedAt,
      exchangeOrderIds: [],
      idempotencyKey: `seed-${randomUUID()}`,
      closeIdempotencyKey: open ? null : `seed-close-${randomUUID()}`,
    });
    return row.id;
  });
  await em.flush();
  return ids;
}
