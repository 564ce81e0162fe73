/**
 * `defineStrategy` turns a small spec (parameters, warm-up rule, incremental state) into a
 * `Strategy`: it resolves parameters, answers "warming up" with too few candles, and guarantees
 * that every output is finite and within [-1, 1] whatever the state computes. `evaluate` is a
 * fresh stream fed the last `historyCandles` candles, so there is one implementation of each
 * strategy, incremental.
 */
import type { Candle } from '../../shared/market.js';
import type { SignalStream, Strategy, StrategyFamily, StrategyParamSpec, StrategyParams, StrategySignal } from './types.js';

/** Parameter spec shorthand: integer bar count in [min, max]. */
export function barsParam(def: number, min: number, max: number, description: string): StrategyParamSpec {
  return { default: def, min, max, integer: true, description };
}

/** Parameter spec shorthand: real number in [min, max]. */
export function realParam(def: number, min: number, max: number, description: string): StrategyParamSpec {
  return { default: def, min, max, integer: false, description };
}

/** The indicator state of one stream of one strategy (resolved parameters are fixed). */
export interface StrategyState {
  /** Feeds the next candle (oldest first); called on every candle, warm-up included. */
  update(candle: Candle): void;
  /**
   * The signal at the last candle fed. Called only once at least `warmUp(p)` candles were fed,
   * at most once per candle, and must not change the state. May return an unclamped or
   * non-finite signal; the wrapper clamps, and turns non-finite values into 0. A lazy reason
   * (`explained`) may read only values of this call, never the state (which moves on).
   */
  read(): StrategySignal;
}

export interface StrategySpec<Name extends string, P extends string> {
  name: Name;
  label: string;
  description: string;
  family: StrategyFamily;
  params: Readonly<Record<P, StrategyParamSpec>>;
  /** Candles needed for `read` to produce a value with these (resolved) parameters. */
  warmUp(p: Readonly<Record<P, number>>): number;
  /**
   * Candles that can still move the signal (`Strategy.historyCandles`); default `warmUp(p)`, right
   * for window statistics. Recursive smoothing needs `SMOOTHING_MEMORY` periods of its slowest
   * average (measures.ts); the streams test fails for a strategy that declares too little.
   */
  memory?(p: Readonly<Record<P, number>>): number;
  /** A fresh state for one stream; updates are O(1) or O(lookback) without re-reading the past. */
  createState(p: Readonly<Record<P, number>>): StrategyState;
}

/** Clamp `x` into [lo, hi]. */
export function clamp(x: number, lo = -1, hi = 1): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/**
 * A signal whose reason is formatted when first read (a backtest reads none of them). A class,
 * not an object literal with a getter: V8 builds these at a fraction of the cost. `toJSON` keeps
 * the reason in serialized copies.
 */
class ExplainedSignal implements StrategySignal {
  #explain: (() => string) | undefined;
  #text: string | undefined;

  constructor(
    readonly signal: number,
    explain: () => string,
  ) {
    this.#explain = explain;
  }

  get reason(): string {
    if (this.#explain) {
      this.#text = this.#explain();
      this.#explain = undefined;
    }
    return this.#text!;
  }

  toJSON(): StrategySignal {
    return { signal: this.signal, reason: this.reason };
  }
}

/**
 * A signal whose reason `explain` formats only when read, at most once. `explain` must use only
 * values captured at this candle, never the stream's state (which moves on).
 */
export function explained(signal: number, explain: () => string): StrategySignal {
  return new ExplainedSignal(signal, explain);
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

function warmingUp(need: number, have: number): StrategySignal {
  return { signal: 0, warmingUp: true, reason: `warming up: need ${need} candles, have ${have}` };
}

/** The wrapper's guarantees on a state's reading: finite, within [-1, 1], never -0. */
function bounded(out: StrategySignal): StrategySignal {
  if (!Number.isFinite(out.signal)) return explained(0, () => `no signal (non-finite value): ${out.reason}`);
  // `+ 0` turns -0 into 0 so callers never print "-0".
  const signal = clamp(out.signal) + 0;
  return Object.is(signal, out.signal) ? out : explained(signal, () => out.reason);
}

function openStream<P extends string>(spec: StrategySpec<string, P>, p: Readonly<Record<P, number>>): SignalStream {
  const need = spec.warmUp(p);
  const state = spec.createState(p);
  let length = 0;
  return {
    get length() {
      return length;
    },
    advance(candle) {
      state.update(candle);
      length++;
    },
    push(candle) {
      state.update(candle);
      length++;
      return length < need ? warmingUp(need, length) : bounded(state.read());
    },
  };
}

/** Build a `Strategy` from a spec (see module header for the guarantees added). */
export function defineStrategy<Name extends string, P extends string>(spec: StrategySpec<Name, P>): Strategy<Name> {
  const requiredCandles = (params?: Partial<StrategyParams>): number => spec.warmUp(resolveParams(spec.params, params));
  const history = (p: Readonly<Record<P, number>>): number => Math.max(spec.warmUp(p), spec.memory?.(p) ?? 0);
  return Object.freeze({
    name: spec.name,
    label: spec.label,
    description: spec.description,
    family: spec.family,
    params: spec.params,
    minCandles: requiredCandles(),
    requiredCandles,
    historyCandles: (params?: Partial<StrategyParams>): number => history(resolveParams(spec.params, params)),
    stream: (params?: Partial<StrategyParams>): SignalStream => openStream(spec, resolveParams(spec.params, params)),
    evaluate(candles: readonly Candle[], params?: Partial<StrategyParams>): StrategySignal {
      const p = resolveParams(spec.params, params);
      const need = spec.warmUp(p);
      if (candles.length < need) return warmingUp(need, candles.length);
      const stream = openStream(spec, p);
      const last = candles.length - 1;
      for (let i = Math.max(0, candles.length - history(p)); i < last; i++) stream.advance(candles[i]);
      // A plain object with its reason, as callers of a one-off evaluation expect.
      const out = stream.push(candles[last]);
      return { signal: out.signal, reason: out.reason };
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
