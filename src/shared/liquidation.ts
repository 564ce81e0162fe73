/**
 * Liquidation of a leveraged (paper) position, one rule for the hub and the agent.
 * Prices in quote currency per base unit; `mmr` (maintenance margin rate) as a fraction
 * (0.005 = 0.5 %); `*Pct` values in percent of the entry price.
 *
 * Isolated margin, fees and funding ignored: a position is liquidated at the price where its
 * loss has eaten the margin down to `mmr × notional`:
 *   long:  `entry × (1 − 1/leverage + mmr)`     short: `entry × (1 + 1/leverage − mmr)`
 * so the liquidation price lies `(1/leverage − mmr) × 100` % from the entry. A stop-loss at or
 * beyond that distance would never fire before the liquidation.
 *
 * A position is liquidated when a price at or past its liquidation price is seen after it was
 * opened: a mark, or the high/low of a bar that opened at or after the position (the bar the
 * position opened in is left out, its range may predate the entry). It then closes AT the
 * liquidation price, so the loss is capped at the margin plus the fees.
 */
import type { PositionSide } from './wire.js';

/** Default maintenance margin rate: 0.5 % of notional (a common tier-1 rate for BTC/ETH perps). */
export const DEFAULT_MAINTENANCE_MARGIN_RATE = 0.005;

/** The close reason of a liquidation, as stored on the trade and carried by events. */
export const LIQUIDATION_REASON = 'liquidation';

/** See the module comment. */
export function liquidationPrice(side: PositionSide, entry: number, leverage: number, mmr = DEFAULT_MAINTENANCE_MARGIN_RATE): number {
  return side === 'long' ? entry * (1 - 1 / leverage + mmr) : entry * (1 + 1 / leverage - mmr);
}

/** Distance from the entry to the liquidation price, percent of the entry (10x → 9.5). */
export function liquidationDistancePct(leverage: number, mmr = DEFAULT_MAINTENANCE_MARGIN_RATE): number {
  return (1 / leverage - mmr) * 100;
}

/**
 * Why a stop-loss of `slPct` % at `leverage` cannot be used (it would fire at or after the
 * liquidation), or null when it is fine.
 */
export function stopLossPastLiquidation(slPct: number, leverage: number, mmr = DEFAULT_MAINTENANCE_MARGIN_RATE): string | null {
  const limit = liquidationDistancePct(leverage, mmr);
  if (slPct < limit) return null;
  const pct = Number(limit.toFixed(2));
  return (
    `A ${slPct}% stop-loss at ${leverage}x leverage would be at or past the liquidation price (${pct}% from the entry). ` +
    `Choose a stop-loss below ${pct}% or a lower leverage.`
  );
}

/** True when prices ranging over [`low`, `high`] reach the liquidation price of a `side` position. */
export function crossesLiquidation(side: PositionSide, liquidation: number, low: number, high: number): boolean {
  return side === 'long' ? low <= liquidation : high >= liquidation;
}

/** A bar's range, with its open time (Unix ms). */
export interface BarRange {
  openTime: number;
  low: number;
  high: number;
}

/**
 * The first bar opened at or after `openedAtMs` whose range reaches the liquidation price, or
 * undefined. Bars oldest-first.
 */
export function barCrossingLiquidation<B extends BarRange>(
  side: PositionSide,
  liquidation: number,
  bars: readonly B[],
  openedAtMs: number,
): B | undefined {
  // Bars are sorted: skip those before the open by bisection (a position is checked every tick).
  let lo = 0;
  let hi = bars.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bars[mid]!.openTime < openedAtMs) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < bars.length; i++) {
    const b = bars[i]!;
    if (crossesLiquidation(side, liquidation, b.low, b.high)) return b;
  }
  return undefined;
}
