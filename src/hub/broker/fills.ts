/**
 * How a venue fills the broker's orders: paper (./paper.ts) or live through the owner's
 * `Exchange` (./live.ts). No rows are written here; the broker stores what these return.
 *
 * A paper close is a liquidation, filled AT the position's liquidation price, when
 *   - the close's reason is `liquidation` (the hub's own liquidation, or an agent that saw a bar
 *     cross the liquidation price): no price is looked up; an agent gains nothing by claiming it,
 *     since that fill is never better for the trader than the market short of liquidation; or
 *   - the last price the close looks up has crossed the liquidation price (a gap past it).
 * Live (spot, 1×) positions have no liquidation price and always close at the market.
 */
import type { Agent, Trade } from '../../db/entities/index.js';
import type { Logger } from '../../logger.js';
import { crossesLiquidation, LIQUIDATION_REASON } from '../../shared/liquidation.js';
import type { OrderRequest, PositionSide } from '../../shared/wire.js';
import type { Exchange } from '../exchange/exchange.js';
import { InvalidOrderError, LiveOrderError, LiveShortUnsupportedError, PriceUnavailableError } from './errors.js';
import { placeLiveOrder } from './live.js';
import { isHubLiquidation } from './order-rules.js';
import { grossPnl, paperClose, paperLiquidation, paperOpen, type PaperCosts } from './paper.js';
import type { PriceSource } from './ports.js';

/** Builds the owner's exchange for a live agent; undefined when no keys are configured. */
export type ExchangeFactory = (ownerId: string, agentId: string) => Promise<Exchange | undefined>;

export interface OpenFill {
  price: number;
  qty: number;
  fee: number;
  margin: number;
  leverage: number;
  liquidationPrice: number | null;
  orderIds: string[];
  /** The market price seen while filling (the agent row's `lastPrice`). */
  marketPrice: number;
}

export interface CloseFill {
  price: number;
  qty: number;
  /** Fee of the close, quote currency. */
  fee: number;
  /** Net of the open and the close fee. */
  pnl: number;
  orderIds: string[];
  /** The market price seen, or null when none was looked up (a liquidation at its price). */
  marketPrice: number | null;
  /** The stored close reason: `liquidation` whenever the fill is one, else `reason` as given. */
  reason: string;
}

export interface FillDeps {
  prices: PriceSource;
  costs: PaperCosts;
  /** Maintenance margin rate, fraction. */
  mmr: number;
  exchangeFor?: ExchangeFactory;
}

export interface Fills {
  /** `session`: the margin (quote currency) and the venue and leverage of the agent's session. */
  open(agent: Agent, order: OrderRequest, session: { margin: number; live: boolean; leverage: number }, log: Logger): Promise<OpenFill>;
  /** `reason` is the close reason as stored (see `tradeReason`). */
  close(agent: Agent, trade: Trade, order: OrderRequest, reason: string, log: Logger): Promise<CloseFill>;
}

export function createFills(deps: FillDeps): Fills {
  const { prices, costs, mmr } = deps;

  async function lastPrice(symbol: string, log: Logger): Promise<number> {
    let quote: { price: number; stale: boolean };
    try {
      quote = await prices.price(symbol);
    } catch (error) {
      throw new PriceUnavailableError(symbol, error instanceof Error ? error.message : String(error), { cause: error });
    }
    if (!(Number.isFinite(quote.price) && quote.price > 0)) throw new PriceUnavailableError(symbol, `unusable price ${quote.price}`);
    if (quote.stale) log.warn({ symbol, price: quote.price }, 'order priced on a stale last price');
    return quote.price;
  }

  async function exchangeOf(agent: Agent): Promise<Exchange> {
    const exchange = deps.exchangeFor ? await deps.exchangeFor(agent.owner.id, agent.id) : undefined;
    if (!exchange) {
      throw new LiveOrderError(
        'auth',
        false,
        'Live mode is on but no HashKey API key and secret are set for this agent or its owner; the order was not executed.',
      );
    }
    return exchange;
  }

  return {
    async open(agent, order, { margin, live, leverage }, log) {
      const side = order.side as PositionSide;
      if (!live) {
        const marketPrice = await lastPrice(agent.symbol, log);
        const paper = paperOpen({ side, lastPrice: marketPrice, margin, leverage, mmr }, costs);
        return { ...paper, orderIds: [], marketPrice };
      }
      if (side === 'short') throw new LiveShortUnsupportedError(agent.symbol);
      const exchange = await exchangeOf(agent);
      const reference = await lastPrice(agent.symbol, log);
      // Spot: 1×, the margin buys margin / price base units; the exchange rounds to its step.
      const executed = await placeLiveOrder(
        exchange,
        { symbol: agent.symbol, side: 'BUY', quantity: margin / reference, clientOrderId: order.idempotencyKey },
        log,
      );
      return {
        price: executed.price,
        qty: executed.heldQty,
        fee: executed.fee,
        margin: executed.price * executed.executedQty,
        leverage: 1,
        liquidationPrice: null,
        orderIds: [executed.orderId],
        marketPrice: executed.price,
      };
    },

    async close(agent, trade, order, reason, log) {
      if (trade.live) {
        if (isHubLiquidation(order)) throw new InvalidOrderError(`trade ${trade.id} is live (spot): the hub never liquidates it`);
        const exchange = await exchangeOf(agent);
        const executed = await placeLiveOrder(
          exchange,
          { symbol: agent.symbol, side: trade.side === 'long' ? 'SELL' : 'BUY', quantity: trade.qty, clientOrderId: order.idempotencyKey },
          log,
        );
        const pnl = grossPnl(trade.side, trade.entryPrice, executed.price, executed.executedQty) - trade.fees - executed.fee;
        // Spot is never liquidated: an agent's "liquidation" reason is a plain market close here.
        const stored = reason === LIQUIDATION_REASON ? 'market close' : reason;
        return { price: executed.price, qty: executed.executedQty, fee: executed.fee, pnl, orderIds: [executed.orderId], marketPrice: executed.price, reason: stored };
      }
      const position = { side: trade.side, entryPrice: trade.entryPrice, qty: trade.qty, openFee: trade.fees };
      const liq = trade.liquidationPrice ?? null;
      let marketPrice: number | null = null;
      if (liq === null || reason !== LIQUIDATION_REASON) {
        marketPrice = await lastPrice(agent.symbol, log);
        if (liq === null || !crossesLiquidation(trade.side, liq, marketPrice, marketPrice)) {
          return { ...paperClose({ ...position, lastPrice: marketPrice }, costs), orderIds: [], marketPrice, reason };
        }
        log.warn({ tradeId: trade.id, price: marketPrice, liquidationPrice: liq }, 'close priced past the liquidation price: liquidated');
      }
      const fill = paperLiquidation({ ...position, liquidationPrice: liq! }, costs);
      return { ...fill, orderIds: [], marketPrice, reason: LIQUIDATION_REASON };
    },
  };
}
