/**
 * Splits one bar of a Brownian path into `n` equal children, given the bar's open, high, low and
 * close (log prices), drawing the children close to their law given the parent, so that splitting
 * again and again (1d down to 1m) neither inflates nor damps the volatility or its tails.
 *
 * - Boundaries: `BOUNDARY_DRAFTS` drafts of a Brownian bridge from open to close (`n` steps of
 *   standard deviation `s`, or wider: see `PROPOSAL_SCALES`); one is picked with probability
 *   proportional to its importance weight times the likelihood that its children reach exactly the
 *   parent's high and low (sampling-importance-resampling).
 * - Extremes, given the boundaries (the children are then independent bridges): the child holding
 *   the high is drawn from its exact conditional law and gets the parent's high; the others' highs
 *   are bridge maxima conditioned to stay below it. Likewise for the lows. (Within one child, max
 *   and min are drawn independently, as they are for the parent.)
 * - If no draft fits (each has a boundary beyond the parent's high or low), the one that misses
 *   least is pulled inside the range by rescaling its part beyond the parent's body.
 *
 * Pure math in log prices; the caller turns the result into prices and makes the aggregate
 * equalities exact there.
 */
import { normal, uniform } from './seeded-noise.js';

/** A bar in log prices. */
export interface LogBar {
  o: number;
  h: number;
  l: number;
  c: number;
}

/** Where a split draws its randomness: (key, index) name the split, streams the draws in it. */
export interface SplitNoise {
  key: number;
  index: number;
}

/** Boundary drafts per split. */
const BOUNDARY_DRAFTS = 16;
/**
 * Drafts alternate between the bridge itself and one 1.5 times wider, weighted back to the bridge's
 * law (balance heuristic): a wide parent then finds fitting drafts without more of them.
 */
const PROPOSAL_SCALES = [1, 1.5];
/** Most children a split may have (sizes the stream layout). */
export const MAX_CHILDREN = 8;
const STREAM_PICK = BOUNDARY_DRAFTS * MAX_CHILDREN;
/** Holder pick, then one truncated draw per child. */
const STREAM_HIGHS = STREAM_PICK + 1;
const STREAM_LOWS = STREAM_HIGHS + 1 + MAX_CHILDREN;
/** First stream the caller may use for its own draws on the same split. */
export const FREE_STREAM = STREAM_LOWS + 1 + MAX_CHILDREN;

/** A draw of the maximum of a Brownian bridge from `a` to `b` with variance `s2`, `e` ~ Exp(1). */
export function bridgeMax(a: number, b: number, s2: number, e: number): number {
  return (a + b + Math.sqrt((b - a) ** 2 + 2 * s2 * e)) / 2;
}

/** Index drawn with probability ∝ weights[i] using uniform `u`; -1 when all are zero. */
function pick(weights: ArrayLike<number>, count: number, u: number): number {
  let total = 0;
  for (let i = 0; i < count; i++) total += weights[i]!;
  if (!(total > 0)) return -1;
  let target = u * total;
  let last = -1;
  for (let i = 0; i < count; i++) {
    if (weights[i] === 0) continue;
    last = i;
    target -= weights[i]!;
    if (target < 0) return i;
  }
  return last;
}

// Scratch space of the (synchronous, non-reentrant) split: no allocation per draft.
const exponent = new Float64Array(MAX_CHILDREN);
const below = new Float64Array(MAX_CHILDREN);
const density = new Float64Array(MAX_CHILDREN);
/** Unnormalised probability that each child holds the extreme (scaled; see `holderTerms`). */
const holder = new Float64Array(MAX_CHILDREN);
/** Drafts' log-likelihoods, then their weights relative to the best. */
const draftLogWeights = new Float64Array(BOUNDARY_DRAFTS);
const STRIDE = MAX_CHILDREN + 1;
const draftSpace = new Float64Array(BOUNDARY_DRAFTS * STRIDE);

/**
 * For the maximum of `sign * path` over the children (bridges between consecutive boundaries
 * `bounds[at … at + n]`) to be exactly `sign * m`: fills `holder[j]` with child j's density at that
 * level times every other child's P(max below it), i.e. the unnormalised probability that child j
 * holds the maximum, and `below[j]` with P(child j stays below it). Returns the log density of the
 * overall maximum at that level (-Infinity when a boundary is beyond it). `sign = -1` turns maxima
 * into minima. Densities are scaled by exp(least e) so that children far below the level do not
 * underflow.
 */
function holderTerms(bounds: ArrayLike<number>, at: number, n: number, m: number, sign: 1 | -1, s2: number): number {
  const level = sign * m;
  let least = Infinity;
  for (let j = 0; j < n; j++) {
    const a = sign * bounds[at + j]!;
    const b = sign * bounds[at + j + 1]!;
    if (a > level || b > level) return -Infinity;
    // P(max ≥ level) = exp(-e) for a bridge a → b (e = 0: it touches the level at an end).
    exponent[j] = (2 * (level - a) * (level - b)) / s2;
    least = Math.min(least, exponent[j]!);
  }
  let allBelow = 1;
  let touching = 0;
  for (let j = 0; j < n; j++) {
    const a = sign * bounds[at + j]!;
    const b = sign * bounds[at + j + 1]!;
    below[j] = -Math.expm1(-exponent[j]!);
    if (below[j] === 0) touching++;
    else allBelow *= below[j]!;
    density[j] = Math.exp(least - exponent[j]!) * ((2 * (2 * level - a - b)) / s2);
  }
  // With one child touching the level, only it can hold the maximum; with two, none can.
  let total = 0;
  for (let j = 0; j < n; j++) {
    const others = touching === 0 ? allBelow / below[j]! : touching === 1 && below[j] === 0 ? allBelow : 0;
    holder[j] = density[j]! * others;
    total += holder[j]!;
  }
  return total > 0 ? Math.log(total) - least : -Infinity;
}

/** Children's maxima of `sign * path` given `bounds`, the overall one exactly `sign * m` (see module comment). */
function extremes(bounds: readonly number[], m: number, sign: 1 | -1, s2: number, noise: SplitNoise, stream: number): number[] {
  const n = bounds.length - 1;
  holderTerms(bounds, 0, n, m, sign, s2);
  let holds = pick(holder, n, uniform(noise.key, noise.index, stream));
  if (holds < 0) {
    // Degenerate (both ends of a child on the level): the child reaching furthest holds it.
    const reach = (j: number) => Math.max(sign * bounds[j]!, sign * bounds[j + 1]!);
    holds = 0;
    for (let j = 1; j < n; j++) if (reach(j) > reach(holds)) holds = j;
  }
  const out: number[] = [];
  for (let j = 0; j < n; j++) {
    const a = sign * bounds[j]!;
    const b = sign * bounds[j + 1]!;
    if (j === holds) out.push(m);
    else if (below[j] === 0) out.push(sign * Math.max(a, b));
    else {
      // Exp(1) truncated to the values that keep this child's maximum below the level.
      const e = -Math.log1p(-uniform(noise.key, noise.index, stream + 1 + j) * below[j]!);
      out.push(sign * Math.min(sign * m, bridgeMax(a, b, s2, e)));
    }
  }
  return out;
}

/** Writes draft `d`'s boundaries (a Brownian bridge from the parent's open to its close) at `d * STRIDE`. */
function draftBounds(parent: LogBar, n: number, s: number, noise: SplitNoise, d: number): void {
  const at = d * STRIDE;
  let walk = 0;
  for (let j = 1; j <= n; j++) draftSpace[at + j] = walk += s * normal(noise.key, noise.index, d * MAX_CHILDREN + j - 1);
  const tilt = (walk - (parent.c - parent.o)) / n;
  for (let j = 1; j < n; j++) draftSpace[at + j] = parent.o + draftSpace[at + j]! - j * tilt;
  draftSpace[at] = parent.o;
  draftSpace[at + n] = parent.c;
}

/** The draft missing the parent's range least, pulled halfway inside its wicks. */
function pullInside(parent: LogBar, n: number): number[] {
  let best: number[] = [];
  let bestMiss = Infinity;
  for (let d = 0; d < BOUNDARY_DRAFTS; d++) {
    const bounds = Array.from(draftSpace.subarray(d * STRIDE, d * STRIDE + n + 1));
    const miss = Math.max(0, Math.max(...bounds) - parent.h) + Math.max(0, parent.l - Math.min(...bounds));
    if (miss < bestMiss) [best, bestMiss] = [bounds, miss];
  }
  const top = Math.max(parent.o, parent.c);
  const bottom = Math.min(parent.o, parent.c);
  const highest = Math.max(...best);
  const lowest = Math.min(...best);
  const up = highest > parent.h ? (0.5 * (parent.h - top)) / (highest - top) : 1;
  const down = lowest < parent.l ? (0.5 * (bottom - parent.l)) / (bottom - lowest) : 1;
  return best.map((x) => (x > top ? top + (x - top) * up : x < bottom ? bottom - (bottom - x) * down : x));
}

/**
 * log(bridge density / mean of the proposal densities) of the draft at `at`. For a bridge of n
 * steps with variance f²·s2 each, the density of its inner points is ∝ f^-(n-1) exp(-q / f²), with
 * q = (Σ step² - (close - open)² / n) / (2·s2).
 */
function logPriorOverProposal(at: number, n: number, parent: LogBar, s2: number): number {
  let q = -((parent.c - parent.o) ** 2) / n;
  for (let j = 0; j < n; j++) q += (draftSpace[at + j + 1]! - draftSpace[at + j]!) ** 2;
  q /= 2 * s2;
  let mix = 0;
  for (const f of PROPOSAL_SCALES) mix += f ** -(n - 1) * Math.exp(q - q / (f * f));
  return -Math.log(mix / PROPOSAL_SCALES.length);
}

/** `n` children of `parent`, each with standard deviation `s` of its log price over its span. */
export function splitBar(parent: LogBar, n: number, s: number, noise: SplitNoise): LogBar[] {
  if (n > MAX_CHILDREN) throw new RangeError(`a bar splits into at most ${MAX_CHILDREN} children, not ${n}`);
  const s2 = s * s;
  for (let d = 0; d < BOUNDARY_DRAFTS; d++) {
    draftBounds(parent, n, s * PROPOSAL_SCALES[d % PROPOSAL_SCALES.length]!, noise, d);
    const ratio = logPriorOverProposal(d * STRIDE, n, parent, s2);
    const high = holderTerms(draftSpace, d * STRIDE, n, parent.h, 1, s2);
    draftLogWeights[d] = high === -Infinity ? high : ratio + high + holderTerms(draftSpace, d * STRIDE, n, parent.l, -1, s2);
  }
  let top = -Infinity;
  for (let d = 0; d < BOUNDARY_DRAFTS; d++) top = Math.max(top, draftLogWeights[d]!);
  for (let d = 0; d < BOUNDARY_DRAFTS; d++) draftLogWeights[d] = Math.exp(draftLogWeights[d]! - top);
  const picked = top === -Infinity ? -1 : pick(draftLogWeights, BOUNDARY_DRAFTS, uniform(noise.key, noise.index, STREAM_PICK));
  const bounds = picked >= 0 ? Array.from(draftSpace.subarray(picked * STRIDE, picked * STRIDE + n + 1)) : pullInside(parent, n);
  const highs = extremes(bounds, parent.h, 1, s2, noise, STREAM_HIGHS);
  const lows = extremes(bounds, parent.l, -1, s2, noise, STREAM_LOWS);
  return highs.map((h, j) => ({ o: bounds[j]!, h, l: lows[j]!, c: bounds[j + 1]! }));
}
