/**
 * Hub-side liquidation, assembled: the open paper positions book loaded from PostgreSQL, the
 * liquidator, and the market layer wrapped so that every price it serves goes through the
 * liquidator. A deleted agent's positions leave the book.
 *
 * Several hubs on one database: a paper position opened through replica A must be watched on B
 * too (B may serve the price that liquidates it, and B's status ack reads the book). So every
 * replica follows the cluster-wide trade events: an open it did not make is read from the agent's
 * row and tracked, a close untracks. Per agent these run in order, so a quick open-then-close
 * never leaves the closed trade tracked. Two replicas may both try to liquidate the same trade:
 * the broker's close takes the agent's row lock and an idempotency key per trade, so the second
 * finds it closed (a replay, nothing filled). After a gap in the remote events the book is
 * re-read (`onRemoteGap`).
 */
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import type { OrderResult } from '../../shared/wire.js';
import type { HubEvents } from '../events.js';
import type { Market } from '../market/market-from-config.js';
import { observeCandleService } from '../market/price-observer.js';
import { createLiquidator, type Liquidator } from './liquidator.js';
import {
  createOpenPositionBook,
  loadOpenPosition,
  loadOpenPositions,
  resyncOpenPositions,
  type OpenPositionBook,
} from './open-positions.js';

export interface LiquidationWatchDeps {
  orm: Orm;
  events: Pick<HubEvents, 'on' | 'onRemoteGap'>;
  /** The market as configured; the watch returns it observed. */
  market: Market;
  /** `broker.liquidate` (called only after the hub is built: the broker prices through the observed market). */
  liquidate: (agentId: string, tradeId: string) => Promise<OrderResult>;
  logger: Logger;
}

/** What a status ack asks: is the agent's paper trade still open? */
export interface OpenPositionCheck {
  /** In the book (no I/O). */
  has(tradeId: string): boolean;
  /**
   * Not in the book, but open in the agent's row (a fill through another replica whose event has
   * not arrived yet): tracked now, and true. Asked only when `has` said no, so rarely.
   */
  confirmOpen(agentId: string, tradeId: string): Promise<boolean>;
}

export interface LiquidationWatch {
  book: OpenPositionBook;
  /** The book as the status ack reads it. */
  openPositions: OpenPositionCheck;
  liquidator: Liquidator;
  /** `deps.market` with every served price checked for liquidations. */
  market: Market;
}

export async function watchLiquidations(deps: LiquidationWatchDeps): Promise<LiquidationWatch> {
  const { logger } = deps;
  const book = createOpenPositionBook();
  const loaded = await loadOpenPositions(deps.orm, book);
  if (loaded > 0) logger.info({ positions: loaded }, 'open paper positions watched for liquidation');
  const liquidator = createLiquidator({ book, liquidate: deps.liquidate, logger });
  followClusterTrades(deps, book);
  const service = observeCandleService(deps.market.service, liquidator, (err) => logger.error({ err }, 'liquidation check failed'));
  const openPositions: OpenPositionCheck = {
    has: (tradeId) => book.has(tradeId),
    confirmOpen: (agentId, tradeId) => loadOpenPosition(deps.orm, book, agentId, tradeId),
  };
  return { book, openPositions, liquidator, market: { ...deps.market, service } };
}

/** Keeps `book` in step with fills and deletions made through any replica (see the header). */
function followClusterTrades(deps: LiquidationWatchDeps, book: OpenPositionBook): void {
  const { events, orm, logger } = deps;
  const chains = new Map<string, Promise<void>>();
  const inOrder = (agentId: string, step: () => Promise<void> | void) => {
    const run = (chains.get(agentId) ?? Promise.resolve())
      .then(step)
      .catch((err) => logger.warn({ err, agentId }, 'open positions book: could not follow a trade'));
    chains.set(agentId, run);
    void run.finally(() => chains.get(agentId) === run && chains.delete(agentId));
  };
  events.on('trade.opened', ({ agentId, tradeId, live }) => {
    // This replica's fills are in the book already (the broker tracks them before the event).
    if (live || book.has(tradeId)) return;
    inOrder(agentId, async () => void (await loadOpenPosition(orm, book, agentId, tradeId)));
  });
  events.on('trade.closed', ({ agentId, tradeId }) => inOrder(agentId, () => book.untrack(tradeId)));
  events.on('agent.deleted', ({ agentId }) => inOrder(agentId, () => book.untrackAgent(agentId)));
  events.onRemoteGap(() => void resyncOpenPositions(orm, book).catch((err) => logger.warn({ err }, 'open positions book: resync failed')));
}
