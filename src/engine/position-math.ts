/**
 * Position arithmetic of the engine: unrealised PnL, TP/SL levels and their checks, the
 * liquidation check, and the session drawdown stop. Prices and PnL in quote currency; `*Pct`
 * values in percent.
 */
import { barCrossingLiquidation, crossesLiquidation } from '../shared/liquidation.js';
import { atr } from './strategies/index.js';
import type { Candle } from '../shared/market.js';
import { fixedLevels, type TpSlLevels } from '../shared/tp-sl-levels.js';
import type { AgentConfigWire, PositionSide, PositionWire } from '../shared/wire.js';
import { fmtPrice } from './format.js';

export { fixedLevels, type TpSlLevels };

/** ATR multiple of the dynamic stop distance. */
export const DYNAMIC_SL_ATR_MULTIPLE = 2;
/** Dynamic take-profit distance as a multiple of the stop distance (reward:risk). */
export const DYNAMIC_REWARD_RISK = 2;
/** Dynamic stop distance when ATR(14) is unavailable, percent of entry. */
export const DYNAMIC_FALLBACK_SL_PCT = 3;

const dir = (side: PositionSide) => (side === 'long' ? 1 : -1);

/** Unrealised PnL of `position` at `price`: qty × price move, signed by side (fees not included). */
export function unrealizedPnl(position: Pick<PositionWire, 'side' | 'qty' | 'entryPrice'>, price: number): number {
  return dir(position.side) * (price - position.entryPrice) * position.qty;
}

/**
 * Dynamic levels: SL distance = 2 × ATR(14) (3 % of entry when ATR is unavailable or zero),
 * TP distance = 2 × the SL distance.
 */
export function dynamicLevels(
  side: PositionSide,
  entry: number,
  atr14: number | undefined,
): TpSlLevels & { slDistance: number; usedFallback: boolean } {
  const usedFallback = !(atr14 !== undefined && Number.isFinite(atr14) && atr14 > 0);
  const slDistance = usedFallback ? (entry * DYNAMIC_FALLBACK_SL_PCT) / 100 : DYNAMIC_SL_ATR_MULTIPLE * atr14!;
  const d = dir(side);
  return {
    tpPrice: entry + d * DYNAMIC_REWARD_RISK * slDistance,
    slPrice: entry - d * slDistance,
    slDistance,
    usedFallback,
  };
}

/** Levels for a position opened at `entry` under the config's TP/SL mode. */
export function levelsFor(
  config: Pick<AgentConfigWire, 'tpSlMode' | 'tpPct' | 'slPct'>,
  side: PositionSide,
  entry: number,
  candles: readonly Candle[],
): TpSlLevels {
  if (config.tpSlMode === 'dynamic') {
    const { tpPrice, slPrice } = dynamicLevels(side, entry, candles.length > 0 ? atr(candles, 14) : undefined);
    return { tpPrice, slPrice };
  }
  return fixedLevels(side, entry, config.tpPct, config.slPct);
}

export interface TpSlHit {
  kind: 'TP' | 'SL';
  level: number;
}

/** Which level `price` reached, TP checked first; null when neither. */
export function checkTpSl(side: PositionSide, price: number, levels: TpSlLevels): TpSlHit | null {
  const d = dir(side);
  if (levels.tpPrice != null && d * (price - levels.tpPrice) >= 0) return { kind: 'TP', level: levels.tpPrice };
  if (levels.slPrice != null && d * (price - levels.slPrice) <= 0) return { kind: 'SL', level: levels.slPrice };
  return null;
}

/**
 * Why `position` is liquidated — `price` or the high/low of a bar opened since the position
 * reached its liquidation price (src/shared/liquidation.ts) — as a close reason starting with
 * `liquidation`, or null. Always null without a liquidation price (live, spot).
 */
export function liquidationReason(
  position: Pick<PositionWire, 'side' | 'liquidationPrice' | 'openedAt'>,
  price: number,
  candles: readonly Candle[],
): string | null {
  const liq = position.liquidationPrice;
  if (liq === null || !(liq > 0)) return null;
  const cmp = position.side === 'long' ? '≤' : '≥';
  if (crossesLiquidation(position.side, liq, price, price))
    return `liquidation: price ${fmtPrice(price)} ${cmp} liquidation ${fmtPrice(liq)}`;
  const bar = barCrossingLiquidation(position.side, liq, candles, openedAtMs(position.openedAt));
  if (!bar) return null;
  const extreme = position.side === 'long' ? `low ${fmtPrice(bar.low)}` : `high ${fmtPrice(bar.high)}`;
  return `liquidation: bar ${new Date(bar.openTime).toISOString()} ${extreme} ${cmp} liquidation ${fmtPrice(liq)}`;
}

export interface DrawdownCheck {
  /** Realised + unrealised PnL of the session, quote currency. */
  pnl: number;
  /** `pnl` as a percent of `amountUsdt` (negative for a loss). */
  pct: number;
  /** True when the loss reached `maxSessionLossPct` (never when that is 0 or less). */
  hit: boolean;
}

/** The session drawdown stop: hit when realised + unrealised ≤ −maxSessionLossPct % of the capital. */
export function sessionDrawdown(input: {
  realizedPnl: number;
  unrealizedPnl: number;
  amountUsdt: number;
  maxSessionLossPct: number;
}): DrawdownCheck {
  const pnl = input.realizedPnl + input.unrealizedPnl;
  const pct = input.amountUsdt > 0 ? (pnl / input.amountUsdt) * 100 : 0;
  const hit = input.maxSessionLossPct > 0 && pnl <= (-input.maxSessionLossPct / 100) * input.amountUsdt;
  return { pnl, pct, hit };
}

/** `Date.parse` of the last `openedAt` asked (a held position is checked every tick, with the same one). */
let lastOpenedAt = { text: '', ms: NaN };
function openedAtMs(text: string): number {
  if (lastOpenedAt.text !== text) lastOpenedAt = { text, ms: Date.parse(text) };
  return lastOpenedAt.ms;
}
