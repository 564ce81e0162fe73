/**
 * What the planner and supervisor prompts have in common: a compact candle summary, numbers
 * written for a model to read, and the JSON object (with its reasoning) pulled out of an answer.
 *
 * Units: prices in quote currency; percentages in the prompt are percent.
 */
import type { Candle } from '../../shared/market.js';

/** Compact, serialisable view of recent candles for a prompt. */
export interface CandleSummary {
  /** Candles the summary was made from. */
  count: number;
  firstOpenTime: number | null;
  lastOpenTime: number | null;
  lastClose: number | null;
  /** Close-to-close change over all `count` candles, in percent. */
  changePct: number | null;
  high: number | null;
  low: number | null;
  /** Last bars, oldest first: `[openTime, open, high, low, close, volume]`. */
  recent: Array<[number, number, number, number, number, number]>;
}

/** Rows of recent bars a prompt shows by default. */
export const PROMPT_RECENT_BARS = 30;

/** Summarises candles (oldest first) with the last `rows` bars listed. */
export function summarizeCandles(candles: readonly Candle[], rows = PROMPT_RECENT_BARS): CandleSummary {
  if (candles.length === 0) {
    return { count: 0, firstOpenTime: null, lastOpenTime: null, lastClose: null, changePct: null, high: null, low: null, recent: [] };
  }
  const first = candles[0];
  const last = candles[candles.length - 1];
  let high = -Infinity;
  let low = Infinity;
  for (const c of candles) {
    if (c.high > high) high = c.high;
    if (c.low < low) low = c.low;
  }
  return {
    count: candles.length,
    firstOpenTime: first.openTime,
    lastOpenTime: last.openTime,
    lastClose: last.close,
    changePct: first.close > 0 ? ((last.close - first.close) / first.close) * 100 : null,
    high,
    low,
    recent: candles.slice(-Math.max(0, rows)).map((c) => [c.openTime, c.open, c.high, c.low, c.close, c.volume]),
  };
}

/** A number for a prompt: 6 significant digits, no exponent for ordinary prices. */
export function num(x: number | null | undefined, digits = 6): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e12)) return x.toExponential(digits - 1);
  return String(Number(x.toPrecision(digits)));
}

/** The candles as prompt text: a one-line overview, then the recent bars. */
export function candleLines(summary: CandleSummary): string {
  if (summary.count === 0) return 'No candles yet.';
  const head =
    `${summary.count} candles from ${new Date(summary.firstOpenTime!).toISOString()} to ${new Date(summary.lastOpenTime!).toISOString()}; ` +
    `last close ${num(summary.lastClose)}, change ${num(summary.changePct, 3)}%, high ${num(summary.high)}, low ${num(summary.low)}.`;
  const rows = summary.recent.map(
    ([t, o, h, l, c, v]) => `${new Date(t).toISOString().slice(0, 16)} ${num(o)} ${num(h)} ${num(l)} ${num(c)} ${num(v, 4)}`,
  );
  return rows.length ? `${head}\nLast ${rows.length} bars (time open high low close volume), oldest first:\n${rows.join('\n')}` : head;
}

/** Indicator values as prompt text (`adx14=23.4, atr14Pct=0.81`), `none` when there are none. */
export function indicatorLines(indicators: Readonly<Record<string, number | null>> | undefined): string {
  const entries = Object.entries(indicators ?? {});
  if (!entries.length) return 'none';
  return entries.map(([k, v]) => `${k}=${num(v, 5)}`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// JSON out of an answer

/**
 * The JSON object in an LLM answer: the whole text when it is JSON, else the content of a ```
 * fence, else the first balanced `{…}` (strings and escapes respected). Undefined when none.
 */
export function extractJsonObject(text: string): Record<string, unknown> | undefined {
  const candidates = [text.trim()];
  const fence = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fence) candidates.push(fence[1].trim());
  const balanced = firstBalancedObject(text);
  if (balanced) candidates.push(balanced);
  for (const candidate of candidates) {
    try {
      const value: unknown = JSON.parse(candidate);
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

function firstBalancedObject(text: string): string | undefined {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return undefined;
}

/** `value` as a short one-line quote for a rejection reason. */
export function snippet(value: unknown, max = 60): string {
  const text = (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))).replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Longest reasoning kept from an answer (characters). */
export const MAX_REASONING_CHARS = 1000;

export function reasoningOf(obj: Record<string, unknown>): string {
  return typeof obj.reasoning === 'string' ? obj.reasoning.trim().slice(0, MAX_REASONING_CHARS) : '';
}
