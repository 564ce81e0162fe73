/**
 * Why a trade closed, in the few kinds a trader reasons in (/stats, alerts). A trade stores its
 * close reason as free text (≤ 64 chars, src/hub/broker/order-results.ts); these are the texts the
 * code writes today, and the kind each maps to:
 *   take-profit    `tp hit: price … ≥ tp …` (src/engine/tick-loop.ts), `tp`, `take_profit`
 *   stop-loss      `sl hit: …`, `sl`, `stop_loss`, `trailing_sl`
 *   signal         `signal reversed (…)` (src/engine/decide.ts) and `supervisor: …` (the
 *                  LLM supervisor's CLOSE, src/engine/supervisor.ts): the agent's own exit
 *   drawdown stop  `drawdown stop: loss …` (src/engine/drawdown-stop.ts)
 *   liquidation    `liquidation` (src/shared/liquidation.ts)
 *   manual         `closed by owner` (the hub's "Close position now", ./broker/order-rules.ts) and
 *                  `stop: …` (the agent closing because its owner or an admin stopped it)
 *   force exit     `force exit` (/forceexit)
 *   other          anything else, e.g. `market close` (a spot "liquidation", ./broker/live.ts)
 */
import { LIQUIDATION_REASON } from '../../shared/liquidation.js';
import { OWNER_CLOSE_REASON } from '../broker/order-rules.js';
import { tradeStats, type TradeOutcome, type TradeStats } from './trade-stats.js';

export const CLOSE_KINDS = ['take-profit', 'stop-loss', 'signal', 'drawdown stop', 'liquidation', 'manual', 'force exit', 'other'] as const;
export type CloseKind = (typeof CLOSE_KINDS)[number];

/** `tp`/`sl` when a close reason names a take-profit or stop-loss hit ("tp", "SL hit", "take_profit", "trailing_sl"…). */
export function tpSlKind(reason: string): 'tp' | 'sl' | null {
  const r = reason.trim().toLowerCase();
  if (/^(tp\b|tp_|take[-_ ]?profit)/.test(r)) return 'tp';
  if (/^(sl\b|sl_|stop[-_ ]?loss|trailing[-_ ]?(sl|stop))/.test(r)) return 'sl';
  return null;
}

/** True when a close reason says the position was liquidated. */
export function isLiquidation(reason: string): boolean {
  return reason.trim().toLowerCase() === LIQUIDATION_REASON;
}

/** The kind of a stored close reason (null or empty: `other`). */
export function closeKindOf(reason: string | null | undefined): CloseKind {
  const r = (reason ?? '').trim();
  if (/^force[ _-]?exit/i.test(r)) return 'force exit';
  if (isLiquidation(r)) return 'liquidation';
  const hit = tpSlKind(r);
  if (hit) return hit === 'tp' ? 'take-profit' : 'stop-loss';
  if (/^drawdown[ _-]?stop/i.test(r)) return 'drawdown stop';
  if (/^(signal reversed|supervisor:)/i.test(r)) return 'signal';
  if (r.toLowerCase() === OWNER_CLOSE_REASON || /^stop:/i.test(r)) return 'manual';
  return 'other';
}

export interface CloseKindStats<T> {
  kind: CloseKind;
  stats: TradeStats<T>;
}

/**
 * The /profit figures per close kind (in CLOSE_KINDS order, kinds without a trade left out), each
 * over the same capital: a kind's ROI is its share of the return on that capital.
 */
export function statsByCloseKind<T extends TradeOutcome & { closeReason: string | null }>(
  trades: readonly T[],
  capital: number,
): Array<CloseKindStats<T>> {
  return CLOSE_KINDS.map((kind) => ({ kind, members: trades.filter((t) => closeKindOf(t.closeReason) === kind) }))
    .filter((group) => group.members.length > 0)
    .map(({ kind, members }) => ({ kind, stats: tradeStats(members, capital) }));
}
