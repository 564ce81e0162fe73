/**
 * Paper execution: pure arithmetic, no I/O. Prices in quote currency per base unit, quantities in
 * base units, money in quote currency, rates in basis points (1 bp = 0.01 % = 0.0001).
 *
 * - Fill price: the last price moved against the trader by the slippage — a buy (long open,
 *   short close) fills at `price × (1 + slippage)`, a sell (long close, short open) at
 *   `price × (1 − slippage)`.
 * - Size: `qty = margin × leverage / fillPrice`, so the notional at entry is exactly
 *   `margin × leverage`.
 * - Taker fee on every fill: `fee = qty × fillPrice × feeRate`, on the open and on the close.
 * - Liquidation (isolated margin, fees and funding ignored), with maintenance margin rate `mmr`:
 *     long:  `entry × (1 − 1/leverage + mmr)`
 *     short: `entry × (1 + 1/leverage − mmr)`
 *   i.e. the price at which the loss has eaten the margin down to `mmr × notional`.
 * - Realised PnL, net of both fees: `direction × (exit − entry) × qty − openFee − closeFee`,
 *   direction +1 long, −1 short.
 *
 * The broker only records the liquidation price; it does not liquidate (the agent's stop-loss
 * does the closing).
 */
import type { PositionSide } from '../../shared/wire.js';

/** Default maintenance margin rate: 0.5 % of notional (a common tier-1 rate for BTC/ETH perps). */
export const DEFAULT_MAINTENANCE_MARGIN_RATE = 0.005;

const BPS = 10_000;

export interface PaperCosts {
  /** Taker fee, basis points of notional. */
  feeBps: number;
  /** Slippage, basis points of the last price, always against the trader. */
  slippageBps: number;
}

/** A simulated fill. */
export interface PaperFill {
  price: number;
  qty: number;
  /** Fee of this fill, quote currency. */
  fee: number;
}

export interface PaperOpen extends PaperFill {
  margin: number;
  leverage: number;
  liquidationPrice: number;
}

export interface PaperClose extends PaperFill {
  /** `direction × (exit − entry) × qty`, before fees. */
  grossPnl: number;
  /** Net of the open and the close fee. */
  pnl: number;
}

/** True when the fill buys the base asset. */
export function isBuy(side: PositionSide, action: 'open' | 'close'): boolean {
  return (side === 'long') === (action === 'open');
}

/** The last price moved against the trader by `slippageBps`. */
export function slippedPrice(lastPrice: number, buy: boolean, slippageBps: number): number {
  const slip = slippageBps / BPS;
  return buy ? lastPrice * (1 + slip) : lastPrice * (1 - slip);
}

/** Fee of a fill: `qty × price × feeBps / 10 000`. */
export function takerFee(qty: number, price: number, feeBps: number): number {
  return (qty * price * feeBps) / BPS;
}

/** See the module comment for the formula; `mmr` is a fraction (0.005 = 0.5 %). */
export function liquidationPrice(side: PositionSide, entry: number, leverage: number, mmr = DEFAULT_MAINTENANCE_MARGIN_RATE): number {
  return side === 'long' ? entry * (1 - 1 / leverage + mmr) : entry * (1 + 1 / leverage - mmr);
}

/** `direction × (exit − entry) × qty`: PnL before fees. */
export function grossPnl(side: PositionSide, entry: number, exit: number, qty: number): number {
  return (side === 'long' ? exit - entry : entry - exit) * qty;
}

/** Opens `side` with `margin` (quote) at `leverage` against `lastPrice`. */
export function paperOpen(
  input: { side: PositionSide; lastPrice: number; margin: number; leverage: number; mmr?: number },
  costs: PaperCosts,
): PaperOpen {
  const price = slippedPrice(input.lastPrice, isBuy(input.side, 'open'), costs.slippageBps);
  const qty = (input.margin * input.leverage) / price;
  return {
    price,
    qty,
    fee: takerFee(qty, price, costs.feeBps),
    margin: input.margin,
    leverage: input.leverage,
    liquidationPrice: liquidationPrice(input.side, price, input.leverage, input.mmr),
  };
}

/** Closes a position of `qty` opened at `entryPrice` (having paid `openFee`) against `lastPrice`. */
export function paperClose(
  input: { side: PositionSide; lastPrice: number; entryPrice: number; qty: number; openFee: number },
  costs: PaperCosts,
): PaperClose {
  const price = slippedPrice(input.lastPrice, isBuy(input.side, 'close'), costs.slippageBps);
  const fee = takerFee(input.qty, price, costs.feeBps);
  const gross = grossPnl(input.side, input.entryPrice, price, input.qty);
  return { price, qty: input.qty, fee, grossPnl: gross, pnl: gross - input.openFee - fee };
}

/** PnL as a percent of the margin committed (ROE): 12.5 = +12.5 %. 0 when the margin is 0. */
export function pnlPercentOfMargin(pnl: number, margin: number): number {
  return margin > 0 ? (pnl / margin) * 100 : 0;
}
