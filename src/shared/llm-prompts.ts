/**
 * The planner and supervisor prompts, their JSON schemas and the validators of their answers.
 * Shared code: the agent builds the messages and checks the answers; the hub only relays them
 * (`POST /internal/agents/:id/llm`). Pure and dependency-free apart from `src/shared/*`.
 *
 * What the original got wrong and this does not (reference §6.6):
 * - its strategy shortlist and the numeric ranges shown in the prompt were never enforced: here an
 *   unknown strategy, a lookback or threshold out of bounds, or malformed JSON is `ok: false`, and
 *   the agent falls back to the rules planner and logs why;
 * - its threshold was a raw return (0.0002–0.003); ours is |signal| on the strategies' shared
 *   [-1, 1] scale (`src/shared/strategies/types.ts`), and the prompt says so;
 * - its supervisor was given market data it never put in the prompt, could not say where TP/SL
 *   should go, and turned every error into KEEP silently: here the prompt carries the candles,
 *   indicators and levels, ADJUST_TP_SL carries prices checked against the position's side, and a
 *   rejected answer says why.
 *
 * Units: prices in quote currency; PnL in USDT; percentages in the prompt are percent.
 */
import type { Candle } from './market.js';
import { STRATEGIES, STRATEGY_NAMES, resolveStrategyName, type StrategyName } from './strategies/index.js';
import type { LlmMessage, PositionSide, RiskProfile, TpSlMode } from './wire.js';

// ---------------------------------------------------------------------------------------------
// Candles and numbers

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
function num(x: number | null | undefined, digits = 6): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e12)) return x.toExponential(digits - 1);
  return String(Number(x.toPrecision(digits)));
}

function candleLines(summary: CandleSummary): string {
  if (summary.count === 0) return 'No candles yet.';
  const head =
    `${summary.count} candles from ${new Date(summary.firstOpenTime!).toISOString()} to ${new Date(summary.lastOpenTime!).toISOString()}; ` +
    `last close ${num(summary.lastClose)}, change ${num(summary.changePct, 3)}%, high ${num(summary.high)}, low ${num(summary.low)}.`;
  const rows = summary.recent.map(([t, o, h, l, c, v]) => `${new Date(t).toISOString().slice(0, 16)} ${num(o)} ${num(h)} ${num(l)} ${num(c)} ${num(v, 4)}`);
  return rows.length ? `${head}\nLast ${rows.length} bars (time open high low close volume), oldest first:\n${rows.join('\n')}` : head;
}

function indicatorLines(indicators: Readonly<Record<string, number | null>> | undefined): string {
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

function snippet(value: unknown, max = 60): string {
  const text = (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))).replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Longest reasoning kept from an answer (characters). */
export const MAX_REASONING_CHARS = 1000;

function reasoningOf(obj: Record<string, unknown>): string {
  return typeof obj.reasoning === 'string' ? obj.reasoning.trim().slice(0, MAX_REASONING_CHARS) : '';
}

// ---------------------------------------------------------------------------------------------
// Planner

/**
 * Bounds a plan must respect. The threshold is |signal| on the shared [-1, 1] scale: below 0.05
 * a strategy would trade on noise (and a value like 0.001 means the model answered on the
 * original's raw-return scale), so it is refused rather than clamped.
 */
export const PLAN_BOUNDS = { minLookback: 2, maxLookback: 500, minThreshold: 0.05, maxThreshold: 1 } as const;

export interface PlannerContext {
  symbol: string;
  timeframe: string;
  riskProfile: RiskProfile;
  leverage: number;
  /** Margin per trade, USDT. */
  amountUsdt: number;
  candles: CandleSummary;
  /** Indicator values by name (e.g. `adx14`, `atr14Pct`), null when not computable. */
  indicators?: Readonly<Record<string, number | null>>;
  /** The rules planner's read, shown as a baseline the model may follow or overrule. */
  rulesSuggestion?: { strategy: string; regime: string; reason: string };
  /** Strategies the model may pick from (default: the whole library). */
  candidates?: readonly StrategyName[];
}

export interface PlannerPlan {
  strategy: StrategyName;
  /** Bars, passed as the strategy's `lookback` parameter (integer). */
  lookback: number;
  /** |signal| needed to act, in [PLAN_BOUNDS.minThreshold, 1]. */
  threshold: number;
  reasoning: string;
}

export type PlannerAnswer = { ok: true; plan: PlannerPlan } | { ok: false; reason: string };

/** JSON schema of the planner's answer (OpenAI strict-mode compatible). */
export const PLANNER_SCHEMA: Record<string, unknown> = Object.freeze({
  type: 'object',
  properties: {
    strategy: { type: 'string', enum: [...STRATEGY_NAMES] },
    lookback: { type: 'integer', minimum: PLAN_BOUNDS.minLookback, maximum: PLAN_BOUNDS.maxLookback },
    threshold: { type: 'number', minimum: PLAN_BOUNDS.minThreshold, maximum: PLAN_BOUNDS.maxThreshold },
    reasoning: { type: 'string' },
  },
  required: ['strategy', 'lookback', 'threshold', 'reasoning'],
  additionalProperties: false,
});

/** The planner conversation: settings, market, the strategy menu and the answer format. */
export function plannerMessages(context: PlannerContext): LlmMessage[] {
  const allowed = new Set<string>(context.candidates?.length ? context.candidates : STRATEGY_NAMES);
  const menu = STRATEGIES.filter((s) => allowed.has(s.name))
    .map((s) => `- ${s.name} (${s.family}): ${s.description}`)
    .join('\n');
  const baseline = context.rulesSuggestion
    ? `Rules-based read: ${context.rulesSuggestion.regime} → ${context.rulesSuggestion.strategy} (${context.rulesSuggestion.reason})`
    : 'Rules-based read: none';
  const { minLookback, maxLookback, minThreshold, maxThreshold } = PLAN_BOUNDS;
  return [
    {
      role: 'system',
      content:
        'You are a quantitative trading strategist choosing one signal strategy for an automated crypto trading agent. ' +
        'Answer with valid JSON only, no other text.',
    },
    {
      role: 'user',
      content: [
        `Symbol: ${context.symbol}. Timeframe: ${context.timeframe}. Margin per trade: ${num(context.amountUsdt)} USDT. Leverage: ${num(context.leverage)}x. Risk profile: ${context.riskProfile}.`,
        `Market:\n${candleLines(context.candles)}`,
        `Indicators: ${indicatorLines(context.indicators)}`,
        baseline,
        `Strategies (each outputs a signal in [-1, 1]; about 0.5 means its textbook entry condition is just met; the agent acts when |signal| >= threshold, 0.3 is typical; ` +
          `use a higher threshold for conservative risk and a lower one for aggressive risk):\n${menu}`,
        `Answer with one JSON object: {"strategy": "<a name from the list>", "lookback": <integer bars ${minLookback}-${maxLookback}>, ` +
          `"threshold": <number ${minThreshold}-${maxThreshold}>, "reasoning": "<two sentences on the regime and why this strategy fits>"}`,
      ].join('\n\n'),
    },
  ];
}

/**
 * Validates a planner answer. `ok: false` (with the reason, for the agent's log) on malformed
 * JSON, an unknown strategy or one outside `candidates`, or a lookback/threshold out of bounds.
 */
export function parsePlannerAnswer(content: string, options: { candidates?: readonly StrategyName[] } = {}): PlannerAnswer {
  const obj = extractJsonObject(content);
  if (!obj) return { ok: false, reason: `no JSON object in the answer "${snippet(content)}"` };
  if (typeof obj.strategy !== 'string') return { ok: false, reason: 'strategy missing' };
  const strategy = resolveStrategyName(obj.strategy);
  if (!strategy) return { ok: false, reason: `unknown strategy "${snippet(obj.strategy, 40)}"` };
  if (options.candidates?.length && !options.candidates.includes(strategy)) {
    return { ok: false, reason: `strategy "${strategy}" is not one of the candidates` };
  }
  const { minLookback, maxLookback, minThreshold, maxThreshold } = PLAN_BOUNDS;
  const lookback = obj.lookback;
  if (typeof lookback !== 'number' || !Number.isFinite(lookback) || Math.round(lookback) < minLookback || Math.round(lookback) > maxLookback) {
    return { ok: false, reason: `lookback ${snippet(lookback ?? 'missing', 20)} is not a number of bars in ${minLookback}..${maxLookback}` };
  }
  const threshold = obj.threshold;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < minThreshold || threshold > maxThreshold) {
    return { ok: false, reason: `threshold ${snippet(threshold ?? 'missing', 20)} is not in ${minThreshold}..${maxThreshold}` };
  }
  return { ok: true, plan: { strategy, lookback: Math.round(lookback), threshold, reasoning: reasoningOf(obj) } };
}

// ---------------------------------------------------------------------------------------------
// Supervisor

export const SUPERVISOR_ACTIONS = ['KEEP', 'CLOSE', 'ADJUST_TP_SL'] as const;
export type SupervisorAction = (typeof SUPERVISOR_ACTIONS)[number];

/**
 * Farthest a new TP or SL may sit from the current price, as a fraction of it. A level beyond
 * this is almost surely a misread price (wrong decimal, wrong symbol) and is refused.
 */
export const MAX_LEVEL_DISTANCE = 0.5;

export interface SupervisorContext {
  symbol: string;
  timeframe: string;
  tpSlMode: TpSlMode;
  /** Current price. */
  price: number;
  position: {
    side: PositionSide;
    /** Base units. */
    qty: number;
    entryPrice: number;
    leverage: number;
    tpPrice: number | null;
    slPrice: number | null;
    liquidationPrice: number | null;
    /** ISO time the position opened. */
    openedAt?: string;
  };
  /** USDT, at `price`. */
  unrealizedPnl: number;
  /** USDT realised this session. */
  realizedPnl?: number;
  strategy: string;
  /** The strategy's latest signal on the shared scale, with its reason. */
  signal?: { value: number; reason: string };
  candles: CandleSummary;
  indicators?: Readonly<Record<string, number | null>>;
}

export interface SupervisorDecision {
  action: SupervisorAction;
  /** New levels for ADJUST_TP_SL (at least one), validated for the position's side. */
  tpPrice?: number;
  slPrice?: number;
  /** 0..1; 0.5 when the answer gave none. */
  confidence: number;
  reasoning: string;
}

export type SupervisorAnswer = { ok: true; decision: SupervisorDecision } | { ok: false; reason: string };

/** What the validator needs to know about the position. */
export type SupervisorCheck = Pick<SupervisorContext, 'price' | 'tpSlMode'> & {
  side: PositionSide;
  liquidationPrice?: number | null;
};

/** JSON schema of the supervisor's answer (OpenAI strict-mode compatible: nullable, not optional). */
export const SUPERVISOR_SCHEMA: Record<string, unknown> = Object.freeze({
  type: 'object',
  properties: {
    action: { type: 'string', enum: [...SUPERVISOR_ACTIONS] },
    tpPrice: { type: ['number', 'null'] },
    slPrice: { type: ['number', 'null'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    reasoning: { type: 'string' },
  },
  required: ['action', 'tpPrice', 'slPrice', 'confidence', 'reasoning'],
  additionalProperties: false,
});

/** The supervisor conversation: the position, the market, and what each action means. */
export function supervisorMessages(context: SupervisorContext): LlmMessage[] {
  const { position, price } = context;
  const long = position.side === 'long';
  const movePct = position.entryPrice > 0 ? ((price - position.entryPrice) / position.entryPrice) * 100 * (long ? 1 : -1) : null;
  const adjust =
    context.tpSlMode === 'dynamic'
      ? `ADJUST_TP_SL = move the take-profit and/or stop-loss: give tpPrice ${long ? 'above' : 'below'} the current price and slPrice ${long ? 'below' : 'above'} it` +
        `${position.liquidationPrice ? ` (and ${long ? 'above' : 'below'} the liquidation price ${num(position.liquidationPrice)})` : ''}, ` +
        `within ${MAX_LEVEL_DISTANCE * 100}% of the price; null for a level you keep.`
      : 'ADJUST_TP_SL is not allowed (TP/SL are fixed for this agent).';
  return [
    {
      role: 'system',
      content: 'You are the risk supervisor of an automated crypto trading agent. Answer with valid JSON only, no other text.',
    },
    {
      role: 'user',
      content: [
        `Position: ${context.symbol} ${position.side} ${num(position.qty)} @ ${num(position.entryPrice)}, leverage ${num(position.leverage)}x` +
          `${position.openedAt ? `, opened ${position.openedAt}` : ''}.`,
        `Current price ${num(price)} (${num(movePct, 3)}% in the position's favour). Unrealized PnL ${num(context.unrealizedPnl)} USDT` +
          `${context.realizedPnl !== undefined ? `, realized this session ${num(context.realizedPnl)} USDT` : ''}.`,
        `Take-profit ${num(position.tpPrice)}, stop-loss ${num(position.slPrice)}, liquidation ${num(position.liquidationPrice)}; TP/SL mode: ${context.tpSlMode}.`,
        `Strategy: ${context.strategy}` +
          `${context.signal ? `, latest signal ${num(context.signal.value, 3)} (${context.signal.reason})` : ''}.`,
        `Market (${context.timeframe}):\n${candleLines(context.candles)}`,
        `Indicators: ${indicatorLines(context.indicators)}`,
        `Actions: KEEP = the position is fine. CLOSE = close it now. ${adjust}`,
        'Answer with one JSON object: {"action": "KEEP"|"CLOSE"|"ADJUST_TP_SL", "tpPrice": <number or null>, "slPrice": <number or null>, ' +
          '"confidence": <0-1>, "reasoning": "<one or two sentences>"}',
      ].join('\n'),
    },
  ];
}

/**
 * Validates a supervisor answer against the position. `ok: false` (the agent keeps the position
 * and logs the reason) on malformed JSON, an unknown action, a confidence outside [0, 1],
 * ADJUST_TP_SL in fixed mode or without a level, or a level on the wrong side of the price (or of
 * the liquidation price), non-positive, or farther than `MAX_LEVEL_DISTANCE`.
 */
export function parseSupervisorAnswer(content: string, check: SupervisorCheck): SupervisorAnswer {
  const obj = extractJsonObject(content);
  if (!obj) return { ok: false, reason: `no JSON object in the answer "${snippet(content)}"` };
  const action = typeof obj.action === 'string' ? obj.action.trim().toUpperCase() : '';
  if (!(SUPERVISOR_ACTIONS as readonly string[]).includes(action)) {
    return { ok: false, reason: `unknown action "${snippet(obj.action ?? 'missing', 30)}"` };
  }
  let confidence = 0.5;
  if (obj.confidence !== undefined && obj.confidence !== null) {
    if (typeof obj.confidence !== 'number' || !Number.isFinite(obj.confidence) || obj.confidence < 0 || obj.confidence > 1) {
      return { ok: false, reason: `confidence ${snippet(obj.confidence, 20)} is not in 0..1` };
    }
    confidence = obj.confidence;
  }
  const reasoning = reasoningOf(obj);
  if (action !== 'ADJUST_TP_SL') return { ok: true, decision: { action: action as SupervisorAction, confidence, reasoning } };

  if (check.tpSlMode !== 'dynamic') return { ok: false, reason: 'ADJUST_TP_SL needs the dynamic TP/SL mode' };
  const tp = level(obj.tpPrice, 'tpPrice');
  if (typeof tp === 'string') return { ok: false, reason: tp };
  const sl = level(obj.slPrice, 'slPrice');
  if (typeof sl === 'string') return { ok: false, reason: sl };
  if (tp === undefined && sl === undefined) return { ok: false, reason: 'ADJUST_TP_SL without tpPrice or slPrice' };

  const { price, side } = check;
  const long = side === 'long';
  const far = (x: number) => Math.abs(x - price) / price > MAX_LEVEL_DISTANCE;
  if (tp !== undefined) {
    if (long ? tp <= price : tp >= price) return { ok: false, reason: `tpPrice ${num(tp)} is not ${long ? 'above' : 'below'} the price ${num(price)} of a ${side}` };
    if (far(tp)) return { ok: false, reason: `tpPrice ${num(tp)} is more than ${MAX_LEVEL_DISTANCE * 100}% from the price ${num(price)}` };
  }
  if (sl !== undefined) {
    if (long ? sl >= price : sl <= price) return { ok: false, reason: `slPrice ${num(sl)} is not ${long ? 'below' : 'above'} the price ${num(price)} of a ${side}` };
    if (far(sl)) return { ok: false, reason: `slPrice ${num(sl)} is more than ${MAX_LEVEL_DISTANCE * 100}% from the price ${num(price)}` };
    const liq = check.liquidationPrice;
    if (liq && (long ? sl <= liq : sl >= liq)) {
      return { ok: false, reason: `slPrice ${num(sl)} is beyond the liquidation price ${num(liq)}` };
    }
  }
  return {
    ok: true,
    decision: { action: 'ADJUST_TP_SL', ...(tp !== undefined ? { tpPrice: tp } : {}), ...(sl !== undefined ? { slPrice: sl } : {}), confidence, reasoning },
  };
}

/** A level from the answer: undefined when absent/null, a number when valid, else the reason. */
function level(value: unknown, field: string): number | undefined | string {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return `${field} ${snippet(value, 20)} is not a positive price`;
  return value;
}
