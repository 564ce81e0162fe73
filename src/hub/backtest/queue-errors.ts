/** Why a backtest was not admitted: the trader's own job is still on, the line is full, or the hub is stopping. */
import { HubError } from '../errors.js';

export class BacktestBusyError extends HubError {
  override name = 'BacktestBusyError';
  constructor() {
    super(
      'the user already has a backtest queued or running',
      'You already have a backtest running: wait for it, or press Cancel on its progress message. /backtests lists your results.',
    );
  }
}

export class BacktestQueueFullError extends HubError {
  override name = 'BacktestQueueFullError';
  constructor(readonly waiting: number) {
    super(
      `the backtest queue is full (${waiting} waiting)`,
      `Too many backtests are waiting right now (${waiting}). Try again in a few minutes.`,
    );
  }
}

export class BacktestsClosedError extends HubError {
  override name = 'BacktestsClosedError';
  constructor() {
    super('backtests are stopping', 'Backtests are not available while the server restarts. Try again in a minute.');
  }
}
