/**
 * Take-profit / stop-loss levels from percents, shared by the agent (which trades them) and the
 * hub (which stores the open position's levels, handed back on the next `/start`). Prices in
 * quote currency; `*Pct` values in percent of the entry price (2.5 = 2.5 %).
 */
import type { PositionWire, PriceLevel, TpSlMode } from './wire.js';

export interface TpSlLevels {
  tpPrice: number | null;
  slPrice: number | null;
}

/** Fixed levels: TP `tpPct`% and SL `slPct`% of the entry price away from it; null disables one. */
export function fixedLevels(side: PositionWire['side'], entry: number, tpPct: number | null, slPct: number | null): TpSlLevels {
  const d = side === 'long' ? 1 : -1;
  return {
    tpPrice: tpPct != null && tpPct > 0 ? entry * (1 + (d * tpPct) / 100) : null,
    slPrice: slPct != null && slPct > 0 ? entry * (1 - (d * slPct) / 100) : null,
  };
}

/**
 * An open position's levels after the user changed `tpPct` and/or `slPct` (a key present in
 * `change` was changed, its value may be null = none). In `fixed` mode a changed percent moves
 * its level to that percent from the entry; the other level keeps its current value (the
 * supervisor may have moved it). In `dynamic` mode the percents do not set levels: unchanged.
 */
export function levelsAfterPctChange(
  position: Pick<PositionWire, 'side' | 'entryPrice' | 'tpPrice' | 'slPrice'>,
  mode: TpSlMode,
  change: { tpPct?: number | null; slPct?: number | null },
): TpSlLevels {
  const current = { tpPrice: position.tpPrice, slPrice: position.slPrice };
  if (mode !== 'fixed') return current;
  const fresh = fixedLevels(position.side, position.entryPrice, change.tpPct ?? null, change.slPct ?? null);
  return {
    tpPrice: 'tpPct' in change ? fresh.tpPrice : current.tpPrice,
    slPrice: 'slPct' in change ? fresh.slPrice : current.slPrice,
  };
}

/**
 * The open position's lines on a chart: its entry, take-profit, stop-loss and liquidation prices
 * (those it has). One definition for the hub's chart images, the API and the dashboard.
 */
export function positionLevels(position: PositionWire | null): PriceLevel[] {
  if (!position) return [];
  const levels: PriceLevel[] = [{ kind: 'entry', price: position.entryPrice }];
  if (position.tpPrice !== null) levels.push({ kind: 'tp', price: position.tpPrice });
  if (position.slPrice !== null) levels.push({ kind: 'sl', price: position.slPrice });
  if (position.liquidationPrice !== null) levels.push({ kind: 'liquidation', price: position.liquidationPrice });
  return levels;
}
