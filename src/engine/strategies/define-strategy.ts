/**
 * `defineStrategy` turns a small spec (parameters, warm-up rule, compute function) into a
 * `Strategy`: it resolves parameters, answers "warming up" with too few candles, and guarantees
 * that every output is finite and within [-1, 1] whatever the compute function does.
 */
import type { Candle } from '../../shared/market.js';
import type { Strategy, StrategyFamily, StrategyParamSpec, StrategyParams, StrategySignal } from './types.js';

/** Parameter spec shorthand: integer bar count in [min, max]. */
export function barsParam(def: number, min: number, max: number, description: string): StrategyParamSpec {
  return { default: def, min, max, integer: true, description };
}

/** Parameter spec shorthand: real number in [min, max]. */
export function realParam(def: number, min: number, max: number, description: string): StrategyParamSpec {
  return { default: def, min, max, integer: false, description };
}

export interface StrategySpec<Name extends string, P extends string> {
  name: Name;
  label: string;
  description: string;
  family: StrategyFamily;
  params: Readonly<Record<P, StrategyParamSpec>>;
  /** Candles needed for `compute` to produce a value with these (resolved) parameters. */
  warmUp(p: Readonly<Record<P, number>>): number;
  /**
   * Compute the signal. Called only with at least `warmUp(p)` candles. May return an unclamped
   * or non-finite signal; the wrapper clamps, and turns non-finite values into 0.
   */
  compute(candles: readonly Candle[], p: Readonly<Record<P, number>>): StrategySignal;
}

/** Clamp `x` into [lo, hi]. */
export function clamp(x: number, lo = -1, hi = 1): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Resolve user parameters against specs: clamp, round integers, default non-finite values. */
export function resolveParams<P extends string>(
  specs: Readonly<Record<P, StrategyParamSpec>>,
  overrides: Partial<StrategyParams> | undefined,
): Readonly<Record<P, number>> {
  const out = {} as Record<P, number>;
  for (const key of Object.keys(specs) as P[]) {
    const spec = specs[key];
    const raw = overrides?.[key];
    let value = typeof raw === 'number' && Number.isFinite(raw) ? raw : spec.default;
    if (spec.integer) value = Math.round(value);
    out[key] = clamp(value, spec.min, spec.max);
  }
  return out;
}

/** Build a `Strategy` from a spec (see module header for the guarantees added). */
export function defineStrategy<Name extends string, P extends string>(spec: StrategySpec<Name, P>): Strategy<Name> {
  const requiredCandles = (params?: Partial<StrategyParams>): number => spec.warmUp(resolveParams(spec.params, params));
  return Object.freeze({
    name: spec.name,
    label: spec.label,
    description: spec.description,
    family: spec.family,
    params: spec.params,
    minCandles: requiredCandles(),
    requiredCandles,
    evaluate(candles: readonly Candle[], params?: Partial<StrategyParams>): StrategySignal {
      const p = resolveParams(spec.params, params);
      const need = spec.warmUp(p);
      if (candles.length < need) {
        return { signal: 0, warmingUp: true, reason: `warming up: need ${need} candles, have ${candles.length}` };
      }
      const out = spec.compute(candles, p);
      if (!Number.isFinite(out.signal)) {
        return { signal: 0, reason: `no signal (non-finite value): ${out.reason}` };
      }
      // `+ 0` turns -0 into 0 so callers never print "-0".
      return { signal: clamp(out.signal) + 0, reason: out.reason };
    },
  });
}

/** Number formatting for reasons: 4 significant digits, no exponent for ordinary prices. */
export function fmt(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e-4 && abs < 1e9) {
    const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
    return x.toFixed(Math.min(decimals, 10));
  }
  return x.toPrecision(digits);
}

/** Signed 2-decimal signal for reasons ("+0.42", "-1.00", "0.00"). */
export function fmtSignal(s: number): string {
  const c = clamp(s) + 0;
  return `${c > 0 ? '+' : ''}${c.toFixed(2)}`;
}

/** Percent with sign, 2 decimals, from a fraction (0.0123 → "+1.23%"). */
export function fmtPct(fraction: number): string {
  return `${fraction > 0 ? '+' : ''}${(fraction * 100).toFixed(2)}%`;
}

/** The "no price movement" answer used by every strategy on flat data. */
export function noMovement(what = 'prices'): StrategySignal {
  return { signal: 0, reason: `no signal: ${what} did not move` };
}
