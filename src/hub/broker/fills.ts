/**
 * How a venue fills the broker's orders. No rows are written here; the broker stores what these
 * return (./records.ts).
 *
 * Paper (./paper.ts) fills at the last price, cached or not (a stale one is logged). A paper close
 * is a liquidation, filled AT the position's liquidation price, when
 *   - the close's reason is `liquidation` (the hub's own liquidation, or an agent that saw a bar
 *     cross the liquidation price): no price is looked up; an agent gains nothing by claiming it,
 *     since that fill is never better for the trader than the market short of liquidation; or
 *   - the last price the close looks up has crossed the liquidation price (a gap past it).
 *
 * Live orders go to the owner's `Exchange` (./live-orders.ts places them); here is what sizes
 * them: a live open buys `margin / quote` base units, and that quote must be real (never
 * simulated) and fresh (observed within `liveQuoteMaxAgeMs`, refreshed first when the cached one
 * is older): a stale cache would over- or under-spend the amount. Live (spot, 1×) positions have
 * no liquidation price and always close at the market.
 */
import type { Agent, Trade } from '../../db/entities/index.js';
import type { Logger } from '../../logger.js';
import { LIQUIDATION_REASON } from '../../shared/liquidation.js';
import type { OrderRequest, PositionSide } from '../../shared/wire.js';
import type { Exchange, MarketOrderRequest } from '../exchange/exchange.js';
import {
  InvalidOrderError,
  LiveOrderError,
  LiveShortUnsupportedError,
  PriceUnavailableError,
  QuoteStaleError,
  SimulatedQuoteError,
} from './errors.js';
import { isHubLiquidation } from './order-rules.js';
import { paperCloseAt, paperOpen, type PaperCosts } from './paper.js';
import type { PriceSource, Quote } from './price-source.js';

/** Builds the owner's exchange (with the agent's own keys when it has some); undefined without keys. */
export type ExchangeFactory = (ownerId: string, agentId?: string) => Promise<Exchange | undefined>;

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
  /** Oldest quote a live order is sized on, ms. */
  liveQuoteMaxAgeMs: number;
  /** Clock, epoch ms (the age of a quote). */
  now: () => number;
}

export interface Fills {
  /** A paper open of `margin` (quote currency) at `leverage`. */
  paperOpen(agent: Agent, side: PositionSide, session: { margin: number; leverage: number }, log: Logger): Promise<OpenFill>;
  /** A paper close; `reason` is the close reason as stored (see `tradeReason`). */
  paperClose(agent: Agent, trade: Trade, reason: string, log: Logger): Promise<CloseFill>;
  /**
   * Looks up the quote a live order of `symbol` is sized on (refreshed when older than the live
   * bound); the broker does it before taking the agent's row lock, as it may call upstream.
   */
  liveQuote(symbol: string): Promise<Quote>;
  /**
   * The exchange order that opens a live long of `margin` (quote currency), sized on `quote`
   * (from `liveQuote`): refused when it is simulated, stale or too old by now.
   */
  liveOpen(agent: Agent, order: OrderRequest, margin: number, quote: Quote): MarketOrderRequest;
  /** The exchange order that closes live `trade`: sells what the account holds. */
  liveClose(agent: Agent, trade: Trade, order: OrderRequest): MarketOrderRequest;
  /** The owner's exchange; `LiveOrderError` (auth) when no keys are configured. */
  exchangeOf(ownerId: string, agentId?: string): Promise<Exchange>;
}

export function createFills(deps: FillDeps): Fills {
  const { prices, costs, mmr } = deps;

  async function quoteOf(symbol: string, maxAgeMs?: number): Promise<Quote> {
    let quote: Quote;
    try {
      quote = await prices.price(symbol, maxAgeMs === undefined ? undefined : { maxAgeMs });
    } catch (error) {
      throw new PriceUnavailableError(symbol, error instanceof Error ? error.message : String(error), { cause: error });
    }
    if (!(Number.isFinite(quote.price) && quote.price > 0)) throw new PriceUnavailableError(symbol, `unusable price ${quote.price}`);
    return quote;
  }

  async function lastPrice(symbol: string, log: Logger): Promise<number> {
    const quote = await quoteOf(symbol);
    if (quote.stale) log.warn({ symbol, price: quote.price }, 'order priced on a stale last price');
    return quote.price;
  }

  /** The price of `quote` if it is fit to size a real order on, or a refusal saying why not. */
  function livePrice(symbol: string, quote: Quote): number {
    const maxAgeMs = deps.liveQuoteMaxAgeMs;
    if (quote.simulated) throw new SimulatedQuoteError(symbol);
    if (quote.stale) throw new QuoteStaleError(symbol, 'stale (the market data could not be refreshed)');
    const ageMs = deps.now() - quote.at;
    if (ageMs > maxAgeMs)
      throw new QuoteStaleError(symbol, `${Math.round(ageMs / 1000)} s old (live orders need one under ${Math.round(maxAgeMs / 1000)} s)`);
    return quote.price;
  }

  return {
    async paperOpen(agent, side, { margin, leverage }, log) {
      const marketPrice = await lastPrice(agent.symbol, log);
      const paper = paperOpen({ side, lastPrice: marketPrice, margin, leverage, mmr }, costs);
      return { ...paper, orderIds: [], marketPrice };
    },

    async paperClose(agent, trade, reason, log) {
      const position = { side: trade.side, entryPrice: trade.entryPrice, qty: trade.qty, openFee: trade.fees };
      const liq = trade.liquidationPrice ?? null;
      const claimed = liq !== null && reason === LIQUIDATION_REASON;
      // A claimed liquidation fills at its price: no price is looked up.
      const marketPrice = claimed ? null : await lastPrice(agent.symbol, log);
      const { liquidated, ...fill } = paperCloseAt({ ...position, liquidationPrice: liq }, marketPrice ?? liq!, claimed, costs);
      if (!liquidated) return { ...fill, orderIds: [], marketPrice, reason };
      if (!claimed)
        log.warn({ tradeId: trade.id, price: marketPrice, liquidationPrice: liq }, 'close priced past the liquidation price: liquidated');
      return { ...fill, orderIds: [], marketPrice, reason: LIQUIDATION_REASON };
    },

    liveQuote: (symbol) => quoteOf(symbol, deps.liveQuoteMaxAgeMs),

    liveOpen(agent, order, margin, quote) {
      if (order.side === 'short') throw new LiveShortUnsupportedError(agent.symbol);
      // Spot: 1×, the margin buys margin / price base units; the exchange rounds to its step.
      const price = livePrice(agent.symbol, quote);
      return { symbol: agent.symbol, side: 'BUY', quantity: margin / price, clientOrderId: order.idempotencyKey };
    },

    liveClose(agent, trade, order) {
      if (isHubLiquidation(order)) throw new InvalidOrderError(`trade ${trade.id} is live (spot): the hub never liquidates it`);
      return {
        symbol: agent.symbol,
        side: trade.side === 'long' ? 'SELL' : 'BUY',
        quantity: trade.qty,
        clientOrderId: order.idempotencyKey,
      };
    },

    async exchangeOf(ownerId, agentId) {
      const exchange = deps.exchangeFor ? await deps.exchangeFor(ownerId, agentId) : undefined;
      if (!exchange) {
        throw new LiveOrderError(
          'auth',
          false,
          'Live mode is on but no HashKey API key and secret are set for this agent or its owner; the order was not executed.',
        );
      }
      return exchange;
    },
  };
}
