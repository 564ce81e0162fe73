/**
 * Hub-side liquidation, assembled: the open paper positions book loaded from PostgreSQL, the
 * liquidator, and the market layer wrapped so that every price it serves goes through the
 * liquidator. A deleted agent's positions leave the book.
 */
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import type { OrderResult } from '../../shared/wire.js';
import type { HubEvents } from '../events.js';
import type { Market } from '../market/market-from-config.js';
import { observeCandleService } from '../market/price-observer.js';
import { createLiquidator, type Liquidator } from './liquidator.js';
import { createOpenPositionBook, loadOpenPositions, type OpenPositionBook } from './open-positions.js';

export interface LiquidationWatchDeps {
  orm: Orm;
  events: Pick<HubEvents, 'on'>;
  /** The market as configured; the watch returns it observed. */
  market: Market;
  /** `broker.liquidate` (called only after the hub is built: the broker prices through the observed market). */
  liquidate: (agentId: string, tradeId: string) => Promise<OrderResult>;
  logger: Logger;
}

export interface LiquidationWatch {
  book: OpenPositionBook;
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
  deps.events.on('agent.deleted', ({ agentId }) => book.untrackAgent(agentId));
  const service = observeCandleService(deps.market.service, liquidator, (err) => logger.error({ err }, 'liquidation check failed'));
  return { book, liquidator, market: { ...deps.market, service } };
}
