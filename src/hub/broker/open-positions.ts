/**
 * The hub's in-memory book of open paper positions by symbol, so that every price the hub sees
 * can be checked for liquidations without touching PostgreSQL. Rebuilt at boot from the agents'
 * `position` column (`loadOpenPositions`), then kept in step by the broker after each commit.
 *
 * A check costs one Map lookup for a symbol nobody holds, and two comparisons for a price that
 * crosses no position (the book keeps, per symbol, the highest long and the lowest short
 * liquidation price); only a price past one of them walks that symbol's positions.
 * Live (spot) positions have no liquidation price and are never in the book.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../../db/orm.js';
import { crossesLiquidation, type BarRange } from '../../shared/liquidation.js';
import type { PositionSide } from '../../shared/wire.js';
import { agentHoldingPosition, agentsHoldingPositions, type AgentHoldingPosition } from '../agents/position-store.js';

/** An open paper position as the book holds it. */
export interface WatchedPosition {
  tradeId: string;
  agentId: string;
  /** Canonical symbol id, e.g. `BTCUSDT`. */
  symbol: string;
  side: PositionSide;
  liquidationPrice: number;
  /** When the trade opened, Unix ms: prices seen before it never liquidate it. */
  openedAtMs: number;
}

export interface OpenPositionBook {
  track(position: WatchedPosition): void;
  untrack(tradeId: string): void;
  /** Drops every position of a deleted agent. */
  untrackAgent(agentId: string): void;
  has(tradeId: string): boolean;
  /** Every tracked trade id. */
  tradeIds(): string[];
  readonly size: number;
  /** Positions of `symbol` opened at or before `atMs` whose liquidation price `price` reaches. */
  crossedByPrice(symbol: string, price: number, atMs: number): WatchedPosition[];
  /** Positions of `symbol` whose liquidation price a bar opened at or after the position reaches. Bars oldest-first. */
  crossedByBars(symbol: string, bars: readonly BarRange[]): WatchedPosition[];
}

interface SymbolBook {
  positions: Map<string, WatchedPosition>;
  /** Highest long / lowest short liquidation price; recomputed when `dirty`. */
  maxLong: number;
  minShort: number;
  dirty: boolean;
}

function extremes(book: SymbolBook): SymbolBook {
  if (!book.dirty) return book;
  book.maxLong = -Infinity;
  book.minShort = Infinity;
  for (const p of book.positions.values()) {
    if (p.side === 'long') book.maxLong = Math.max(book.maxLong, p.liquidationPrice);
    else book.minShort = Math.min(book.minShort, p.liquidationPrice);
  }
  book.dirty = false;
  return book;
}

/** Index of the first bar opened at or after `atMs` (bars oldest-first); `bars.length` when none. */
function firstBarFrom(bars: readonly BarRange[], atMs: number): number {
  let lo = 0;
  let hi = bars.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bars[mid]!.openTime < atMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function createOpenPositionBook(): OpenPositionBook {
  const bySymbol = new Map<string, SymbolBook>();
  const symbolOf = new Map<string, string>();

  function untrack(tradeId: string): void {
    const symbol = symbolOf.get(tradeId);
    if (symbol === undefined) return;
    symbolOf.delete(tradeId);
    const book = bySymbol.get(symbol)!;
    book.positions.delete(tradeId);
    book.dirty = true;
    if (book.positions.size === 0) bySymbol.delete(symbol);
  }

  return {
    track(position) {
      untrack(position.tradeId);
      let book = bySymbol.get(position.symbol);
      if (!book) bySymbol.set(position.symbol, (book = { positions: new Map(), maxLong: -Infinity, minShort: Infinity, dirty: false }));
      book.positions.set(position.tradeId, position);
      symbolOf.set(position.tradeId, position.symbol);
      book.dirty = true;
    },
    untrack,
    untrackAgent(agentId) {
      for (const book of [...bySymbol.values()]) {
        for (const p of [...book.positions.values()]) if (p.agentId === agentId) untrack(p.tradeId);
      }
    },
    has: (tradeId) => symbolOf.has(tradeId),
    tradeIds: () => [...symbolOf.keys()],
    get size() {
      return symbolOf.size;
    },

    crossedByPrice(symbol, price, atMs) {
      const book = bySymbol.get(symbol);
      if (!book) return [];
      const { maxLong, minShort } = extremes(book);
      if (price > maxLong && price < minShort) return [];
      return [...book.positions.values()].filter(
        (p) => p.openedAtMs <= atMs && crossesLiquidation(p.side, p.liquidationPrice, price, price),
      );
    },

    crossedByBars(symbol, bars) {
      const book = bySymbol.get(symbol);
      if (!book || bars.length === 0) return [];
      const { maxLong, minShort } = extremes(book);
      let low = Infinity;
      let high = -Infinity;
      for (const bar of bars) {
        if (bar.low < low) low = bar.low;
        if (bar.high > high) high = bar.high;
      }
      if (low > maxLong && high < minShort) return [];
      // Suffix extremes: lowFrom[i] / highFrom[i] over bars i..end, so each position costs a binary search.
      const n = bars.length;
      const lowFrom = new Float64Array(n + 1).fill(Infinity);
      const highFrom = new Float64Array(n + 1).fill(-Infinity);
      for (let i = n - 1; i >= 0; i--) {
        lowFrom[i] = Math.min(lowFrom[i + 1]!, bars[i]!.low);
        highFrom[i] = Math.max(highFrom[i + 1]!, bars[i]!.high);
      }
      return [...book.positions.values()].filter((p) => {
        const i = firstBarFrom(bars, p.openedAtMs);
        return crossesLiquidation(p.side, p.liquidationPrice, lowFrom[i]!, highFrom[i]!);
      });
    },
  };
}

/** The book's entry for the position the agent's row holds; undefined for a live one (no liquidation price). */
function watchedOf(agent: AgentHoldingPosition): WatchedPosition | undefined {
  const p = agent.position;
  if (!p || p.liquidationPrice === null || p.liquidationPrice === undefined) return undefined;
  return {
    tradeId: p.tradeId,
    agentId: agent.id,
    symbol: agent.symbol,
    side: p.side,
    liquidationPrice: p.liquidationPrice,
    openedAtMs: Date.parse(p.openedAt),
  };
}

/** Fills `book` with every open paper position the agents' rows hold; returns how many. */
export async function loadOpenPositions(orm: Orm, book: OpenPositionBook): Promise<number> {
  const agents = await agentsHoldingPositions(orm.em.fork() as EntityManager);
  let loaded = 0;
  for (const agent of agents) {
    const watched = watchedOf(agent);
    if (!watched) continue;
    book.track(watched);
    loaded++;
  }
  return loaded;
}

/** Tracks trade `tradeId` of the agent when its row holds it open (a fill another replica made); true when tracked. */
export async function loadOpenPosition(orm: Orm, book: OpenPositionBook, agentId: string, tradeId: string): Promise<boolean> {
  const watched = watchedOf(
    (await agentHoldingPosition(orm.em.fork() as EntityManager, agentId)) ?? { id: agentId, symbol: '', position: null },
  );
  if (watched?.tradeId !== tradeId) return false;
  book.track(watched);
  return true;
}

/** Makes `book` what the rows hold (after missed events): drops what is closed, tracks what is open. */
export async function resyncOpenPositions(orm: Orm, book: OpenPositionBook): Promise<void> {
  // Tracked before the read: one this replica opens meanwhile is not the read's to drop.
  const before = book.tradeIds();
  const agents = await agentsHoldingPositions(orm.em.fork() as EntityManager);
  const open = agents.map(watchedOf).filter((w): w is WatchedPosition => w !== undefined);
  const keep = new Set(open.map((w) => w.tradeId));
  for (const tradeId of before) if (!keep.has(tradeId)) book.untrack(tradeId);
  for (const watched of open) book.track(watched);
}
