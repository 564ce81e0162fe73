/**
 * The trade decision of one tick from the strategy signal. Pure: the engine supplies whether an
 * entry is allowed at all this tick (cooldown after a close, a close already made this tick —
 * no flip-flop —, stale market data).
 */
import type { PositionSide } from '../shared/wire.js';
import { fmtNum, fmtSignal } from './format.js';

export type TradeDecision =
  { kind: 'hold'; reason: string } | { kind: 'open'; side: PositionSide; reason: string } | { kind: 'close'; reason: string };

export interface DecideInput {
  /** Side of the open position, null when flat. */
  side: PositionSide | null;
  /** Strategy signal in [-1, 1]. */
  signal: number;
  /** |signal| needed to act, on the shared scale. */
  threshold: number;
  strategy: string;
  /** Null when a new entry is allowed, else why not. */
  entryBlocked: string | null;
}

export function decide(input: DecideInput): TradeDecision {
  const { side, signal, threshold } = input;
  if (side === 'long')
    return signal <= -threshold ? { kind: 'close', reason: `signal reversed (${said(input)} ≤ -${fmtNum(threshold)})` } : new Hold(input);
  if (side === 'short')
    return signal >= threshold ? { kind: 'close', reason: `signal reversed (${said(input)} ≥ +${fmtNum(threshold)})` } : new Hold(input);
  if (Math.abs(signal) < threshold || input.entryBlocked) return new Hold(input);
  const t = fmtNum(threshold);
  return signal > 0
    ? { kind: 'open', side: 'long', reason: `${said(input)} ≥ +${t}` }
    : { kind: 'open', side: 'short', reason: `${said(input)} ≤ -${t}` };
}

/** "trend_following +0.42" */
function said(input: DecideInput): string {
  return `${input.strategy} ${fmtSignal(input.signal)}`;
}

/**
 * A hold, whose reason is worded only when read: most ticks hold and read none (a backtest holds
 * on most of a year of bars).
 */
class Hold {
  readonly kind = 'hold' as const;
  constructor(private readonly input: DecideInput) {}

  get reason(): string {
    const { side, threshold, entryBlocked } = this.input;
    if (side) return `holding ${side} (${said(this.input)})`;
    if (Math.abs(this.input.signal) < threshold) return `signal weak (${said(this.input)}, need ±${fmtNum(threshold)})`;
    return `${entryBlocked} (${said(this.input)})`;
  }
}
