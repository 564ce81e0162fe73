/**
 * The session drawdown stop: when realised + unrealised PnL ≤ −maxSessionLossPct % of
 * `amountUsdt`, the position is closed, the engine stops itself and pushes state `stopped`.
 */
import { fmtNum, fmtUsd } from './format.js';
import { sessionDrawdown } from './position-math.js';
import { closePosition } from './position-orders.js';
import { pushStatus, unrealized, type EngineSession } from './session.js';

/** Checks the session drawdown stop; when hit, closes, stops the loop and returns true. */
export async function drawdownStop(s: EngineSession): Promise<boolean> {
  const { config, log } = s;
  const dd = sessionDrawdown({
    realizedPnl: s.realizedPnl,
    unrealizedPnl: unrealized(s),
    amountUsdt: config.amountUsdt,
    maxSessionLossPct: config.maxSessionLossPct,
  });
  if (!dd.hit) return false;
  const why = `drawdown stop: loss ${fmtNum(-dd.pct, 2)}% of capital ≥ ${fmtNum(config.maxSessionLossPct)}% limit`;
  log.warn(`${why} (session PnL ${fmtUsd(dd.pnl)} USDT on ${config.amountUsdt} USDT)`);
  if (s.position && !(await closePosition(s, why, s.hard.signal))) {
    log.error('drawdown stop: the position could not be closed; it stays open in the hub');
  }
  s.state = 'stopped';
  s.lastAction = `STOP: ${why}`;
  pushStatus(s);
  return true;
}
