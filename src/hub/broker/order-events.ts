/**
 * What the broker tells once an order is over. A recorded fill updates the open paper positions
 * book and emits `trade.opened` / `trade.closed` after its commit only; a live order in trouble
 * alerts its owner (`order.error`), once, and is never replaced by a paper fill; refusals an agent
 * would repeat every tick are only logged. The trade is committed whatever a listener does: a
 * throwing listener is logged, never returned to the order's caller.
 */
import type { Logger } from '../../logger.js';
import type { HubEventMap, HubEvents } from '../events.js';
import { LiveOrderError, LiveShortUnsupportedError, QuoteStaleError, SimulatedQuoteError } from './errors.js';
import type { OpenPositionBook } from './open-positions.js';
import type { AgentContext, Executed } from './records.js';

export interface OrderEventsDeps {
  events: HubEvents;
  /** Open paper positions by symbol, kept in step after each commit (for liquidation). */
  openPositions?: Pick<OpenPositionBook, 'track' | 'untrack'>;
}

export interface OrderEvents {
  /** After the commit: the paper book, then the trade event. */
  publish(executed: Executed, log: Logger): void;
  /** Tells the owner of a live order's trouble (`order.error`). */
  alert(ctx: AgentContext, message: string, log: Logger): void;
  /**
   * Logs why an order failed. `owner`: the agent of the order's first request, whose owner hears
   * of a live failure (undefined for a request that followed another, or never found its agent).
   */
  reportFailure(error: unknown, owner: AgentContext | undefined, log: Logger): void;
}

export function createOrderEvents(deps: OrderEventsDeps): OrderEvents {
  function emitSafely<K extends 'trade.opened' | 'trade.closed' | 'order.error'>(name: K, data: HubEventMap[K], log: Logger): void {
    try {
      deps.events.emit(name, data);
    } catch (error) {
      log.error({ err: error, event: name }, 'event listener failed');
    }
  }

  function alert(ctx: AgentContext, message: string, log: Logger): void {
    emitSafely('order.error', { ...ctx, message, live: true }, log);
  }

  return {
    publish(executed, log) {
      if (executed.book && deps.openPositions) {
        if ('track' in executed.book) deps.openPositions.track(executed.book.track);
        else deps.openPositions.untrack(executed.book.untrack);
      }
      if (executed.event) {
        const { name, data } = executed.event;
        log.info(
          {
            tradeId: data.tradeId,
            side: data.side,
            qty: data.qty,
            price: data.price,
            fees: data.fees,
            pnl: data.pnl,
            live: data.live,
            reason: data.reason,
          },
          name,
        );
        emitSafely(name, data, log);
      }
    },

    alert,

    reportFailure(error, owner, log) {
      if (error instanceof LiveOrderError) {
        log.error({ kind: error.kind, retryable: error.retryable, err: error }, 'live order failed');
        if (owner) alert(owner, error.message, log);
      } else if (error instanceof QuoteStaleError || error instanceof SimulatedQuoteError) {
        // No alert: the agent logs the refusal, and would ask again every tick while it lasts.
        log.warn({ code: error.code }, error.message);
      } else if (error instanceof LiveShortUnsupportedError) {
        log.warn('live short refused (spot only)');
      }
    },
  };
}
