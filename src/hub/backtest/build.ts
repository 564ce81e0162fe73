/**
 * Backtests, assembled for the hub: the queue of worker threads (BACKTEST_CONCURRENCY,
 * BACKTEST_QUEUE_MAX), the store, the history loader on the hub's market data, and the paper
 * broker's costs and the agents' limits, so a backtest fills and validates as an agent would.
 */
import type { HubDeps } from '../hub-types.js';
import type { Market } from '../market/market-from-config.js';
import { createBacktestQueue } from './backtest-queue.js';
import { createBacktestService } from './backtest-service.js';
import { createBacktestStore, type BacktestStore } from './backtest-store.js';
import { createHistoryDeps, loadHistory } from './history.js';
import type { BacktestService } from './types.js';

export interface Backtests {
  service: BacktestService;
  /** For retention. */
  store: BacktestStore;
}

export function buildBacktests(deps: Pick<HubDeps, 'config' | 'orm' | 'logger' | 'marketNow'>, market: Market): Backtests {
  const { config, logger } = deps;
  const log = logger.child({ part: 'backtests' });
  const now = deps.marketNow ?? Date.now;
  const history = createHistoryDeps(market, now);
  const store = createBacktestStore(deps.orm);
  const service = createBacktestService({
    store,
    queue: createBacktestQueue({ concurrency: config.backtests.concurrency, maxWaiting: config.backtests.queueMax, logger: log }),
    loadHistory: (request) => loadHistory(history, request),
    costs: { feeBps: config.paper.feeBps, slippageBps: config.paper.slippageBps },
    limits: { maxLeverage: config.agents.maxLeverage },
    now,
    logger: log,
  });
  return { service, store };
}
