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
  const { side, signal, threshold, strategy } = input;
  // Reasons are words for logs and orders: built only when read (most ticks hold and read none).
  const s = () => `${strategy} ${fmtSignal(signal)}`;
  const t = () => fmtNum(threshold);
  if (side === 'long') {
    return signal <= -threshold ? { kind: 'close', reason: `signal reversed (${s()} ≤ -${t()})` } : hold(() => `holding long (${s()})`);
  }
  if (side === 'short') {
    return signal >= threshold ? { kind: 'close', reason: `signal reversed (${s()} ≥ +${t()})` } : hold(() => `holding short (${s()})`);
  }
  if (Math.abs(signal) < threshold) return hold(() => `signal weak (${s()}, need ±${t()})`);
  const blocked = input.entryBlocked;
  if (blocked) return hold(() => `${blocked} (${s()})`);
  return signal > 0
    ? { kind: 'open', side: 'long', reason: `${s()} ≥ +${t()}` }
    : { kind: 'open', side: 'short', reason: `${s()} ≤ -${t()}` };
}

/** A hold whose reason is worded when read. */
function hold(reason: () => string): TradeDecision {
  return {
    kind: 'hold',
    get reason() {
      return reason();
    },
  };
}
