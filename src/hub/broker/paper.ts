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
 * - Liquidation price: see src/shared/liquidation.ts (`entry × (1 ∓ 1/leverage ± mmr)`).
 * - Realised PnL, net of both fees: `direction × (exit − entry) × qty − openFee − closeFee`,
 *   direction +1 long, −1 short.
 * - A liquidation fills at the liquidation price itself (no slippage: the price crossed is not
 *   the trader's to pay), with the taker fee: the loss is `margin − mmr × notional + fees`, never
 *   more than the margin plus the fees.
 */
import { crossesLiquidation, liquidationPrice } from '../../shared/liquidation.js';
import type { PositionSide } from '../../shared/wire.js';

export { DEFAULT_MAINTENANCE_MARGIN_RATE, liquidationPrice } from '../../shared/liquidation.js';

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

export interface PaperCloseInput {
  side: PositionSide;
  entryPrice: number;
  qty: number;
  /** Fee paid at the open, quote currency. */
  openFee: number;
}

/** A close of `input` filled at exactly `price`. */
function closeAt(input: PaperCloseInput, price: number, feeBps: number): PaperClose {
  const fee = takerFee(input.qty, price, feeBps);
  const gross = grossPnl(input.side, input.entryPrice, price, input.qty);
  return { price, qty: input.qty, fee, grossPnl: gross, pnl: gross - input.openFee - fee };
}

/** Closes a position of `qty` opened at `entryPrice` (having paid `openFee`) against `lastPrice`. */
export function paperClose(input: PaperCloseInput & { lastPrice: number }, costs: PaperCosts): PaperClose {
  return closeAt(input, slippedPrice(input.lastPrice, isBuy(input.side, 'close'), costs.slippageBps), costs.feeBps);
}

/** Liquidates a position at its `liquidationPrice` (see the module comment). */
export function paperLiquidation(input: PaperCloseInput & { liquidationPrice: number }, costs: Pick<PaperCosts, 'feeBps'>): PaperClose {
  return closeAt(input, input.liquidationPrice, costs.feeBps);
}

/**
 * The paper close of a position against `lastPrice`: a liquidation AT its liquidation price when
 * the close claims one (`claimsLiquidation`) or `lastPrice` is past it (a gap), else a close
 * against `lastPrice` moved by the slippage. The broker (./fills.ts) and backtests use this one rule.
 */
export function paperCloseAt(
  position: PaperCloseInput & { liquidationPrice: number | null },
  lastPrice: number,
  claimsLiquidation: boolean,
  costs: PaperCosts,
): PaperClose & { liquidated: boolean } {
  const liq = position.liquidationPrice;
  if (liq !== null && (claimsLiquidation || crossesLiquidation(position.side, liq, lastPrice, lastPrice))) {
    return { ...paperLiquidation({ ...position, liquidationPrice: liq }, costs), liquidated: true };
  }
  return { ...paperClose({ ...position, lastPrice }, costs), liquidated: false };
}

/** PnL as a percent of the margin committed (ROE): 12.5 = +12.5 %. 0 when the margin is 0. */
export function pnlPercentOfMargin(pnl: number, margin: number): number {
  return margin > 0 ? (pnl / margin) * 100 : 0;
}
