/**
 * Random-access noise for the simulated market: every draw is a pure function of
 * (key, index, stream), so any bar can be computed without generating the ones before it, and the
 * same seed always gives the same market. Not for anything that must be unpredictable.
 */

/** 32-bit FNV-1a of a string (to turn a seed and a symbol into a key). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** MurmurHash3's 32-bit finaliser: a bijection that spreads every input bit over the output. */
function fmix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Hash of (a, b, c), each a 32-bit integer; chained finalisers keep it injective in b and c. */
export function hash3(a: number, b: number, c: number): number {
  return fmix32(fmix32(fmix32(a + 0x9e3779b9) ^ b) ^ c) >>> 0;
}

/*
 * A draw is named by (key, index, stream). Each function hashes `4 * stream + k` with its own k, so
 * `uniform`, `normal` and `exponential` on the same stream are independent of one another.
 */
const toUnit = (hash: number) => (hash + 0.5) / 4_294_967_296;

/** Uniform in the open interval (0, 1). */
export function uniform(key: number, index: number, stream: number): number {
  return toUnit(hash3(key, index, 4 * stream));
}

/** Standard normal (Box–Muller). */
export function normal(key: number, index: number, stream: number): number {
  const u1 = toUnit(hash3(key, index, 4 * stream + 1));
  const u2 = toUnit(hash3(key, index, 4 * stream + 2));
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Exponential with mean 1, strictly positive. */
export function exponential(key: number, index: number, stream: number): number {
  return -Math.log(toUnit(hash3(key, index, 4 * stream + 3)));
}
