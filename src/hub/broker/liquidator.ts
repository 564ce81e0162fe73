/**
 * The hub side of liquidation: a `PriceObserver` over the market layer. Each price or series of
 * bars the hub serves is checked against the open paper positions book (in memory, see
 * ./open-positions.ts); each position it crosses is closed by `broker.liquidate`, which takes the
 * agent's row lock and fills at the liquidation price exactly once.
 *
 * Never blocks the price path: the check is synchronous and cheap, the liquidation runs detached.
 * It must: the broker itself looks prices up while holding an agent's row lock, so waiting here
 * for a liquidation of that agent would deadlock. One attempt per trade at a time; after a
 * failure the trade is left alone for `retryAfterMs`, then the next price that crosses retries.
 */
import type { Logger } from '../../logger.js';
import type { OrderResult } from '../../shared/wire.js';
import type { PriceObserver } from '../market/price-observer.js';
import { BrokerAgentNotFoundError } from './errors.js';
import type { OpenPositionBook, WatchedPosition } from './open-positions.js';

export interface LiquidatorDeps {
  book: OpenPositionBook;
  /** `broker.liquidate`. */
  liquidate: (agentId: string, tradeId: string) => Promise<OrderResult>;
  logger: Logger;
  /** Clock, ms. */
  now?: () => number;
  /** Pause after a failed attempt before the trade is tried again, ms (default 5 000). */
  retryAfterMs?: number;
}

export interface Liquidator extends PriceObserver {
  /** Resolves once no liquidation is in flight (tests, shutdown). */
  idle(): Promise<void>;
}

export function createLiquidator(deps: LiquidatorDeps): Liquidator {
  const { book, logger } = deps;
  const now = deps.now ?? Date.now;
  const retryAfterMs = deps.retryAfterMs ?? 5_000;
  const inFlight = new Map<string, Promise<void>>();
  const pausedUntil = new Map<string, number>();

  async function liquidate(position: WatchedPosition, mark: string): Promise<void> {
    const log = logger.child({ agentId: position.agentId, tradeId: position.tradeId });
    try {
      const result = await deps.liquidate(position.agentId, position.tradeId);
      // Closed either way (by this liquidation, or by the agent first): nothing left to watch.
      if (result.status === 'closed') book.untrack(position.tradeId);
      if (!result.replayed)
        log.warn(
          { symbol: position.symbol, mark, liquidationPrice: position.liquidationPrice, pnl: result.pnl },
          'paper position liquidated',
        );
    } catch (error) {
      if (error instanceof BrokerAgentNotFoundError) {
        book.untrack(position.tradeId);
        return;
      }
      pausedUntil.set(position.tradeId, now() + retryAfterMs);
      log.error({ err: error }, 'liquidation failed; retried on a later price');
    }
  }

  function start(crossed: WatchedPosition[], mark: string): void {
    for (const position of crossed) {
      if (inFlight.has(position.tradeId)) continue;
      const paused = pausedUntil.get(position.tradeId);
      if (paused !== undefined && now() < paused) continue;
      pausedUntil.delete(position.tradeId);
      const run = liquidate(position, mark).finally(() => inFlight.delete(position.tradeId));
      inFlight.set(position.tradeId, run);
    }
  }

  return {
    price(symbol, price, atMs) {
      const crossed = book.crossedByPrice(symbol, price, atMs);
      if (crossed.length) start(crossed, `price ${price}`);
    },
    bars(symbol, bars) {
      const crossed = book.crossedByBars(symbol, bars);
      if (crossed.length) start(crossed, 'bar range');
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight.values()]);
    },
  };
}
