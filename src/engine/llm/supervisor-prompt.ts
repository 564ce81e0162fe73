/**
 * The supervisor's side of the LLM contract: the prompt that asks whether to keep, close or
 * re-level an open position, the JSON schema of the answer, and its validator (levels checked
 * against the position's side, the price and the liquidation price).
 *
 * What the original got wrong and this does not (`supervisor_check` in the original Artic's
 * `app/llm/llm_planner.py`): it was given market data it never put in the prompt, could not say
 * where TP/SL should go, and turned every error into KEEP silently. Here the prompt carries the
 * candles, indicators and levels, ADJUST_TP_SL carries prices checked against the position's
 * side, and a rejected answer says why.
 *
 * Units: prices in quote currency; PnL in USDT; percentages in the prompt are percent.
 */
import type { LlmMessage, PositionSide, TpSlMode } from '../../shared/wire.js';
import { candleLines, extractJsonObject, indicatorLines, num, reasoningOf, snippet, type CandleSummary } from './prompt-format.js';

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
    if (long ? tp <= price : tp >= price)
      return { ok: false, reason: `tpPrice ${num(tp)} is not ${long ? 'above' : 'below'} the price ${num(price)} of a ${side}` };
    if (far(tp)) return { ok: false, reason: `tpPrice ${num(tp)} is more than ${MAX_LEVEL_DISTANCE * 100}% from the price ${num(price)}` };
  }
  if (sl !== undefined) {
    if (long ? sl >= price : sl <= price)
      return { ok: false, reason: `slPrice ${num(sl)} is not ${long ? 'below' : 'above'} the price ${num(price)} of a ${side}` };
    if (far(sl)) return { ok: false, reason: `slPrice ${num(sl)} is more than ${MAX_LEVEL_DISTANCE * 100}% from the price ${num(price)}` };
    const liq = check.liquidationPrice;
    if (liq && (long ? sl <= liq : sl >= liq)) {
      return { ok: false, reason: `slPrice ${num(sl)} is beyond the liquidation price ${num(liq)}` };
    }
  }
  return {
    ok: true,
    decision: {
      action: 'ADJUST_TP_SL',
      ...(tp !== undefined ? { tpPrice: tp } : {}),
      ...(sl !== undefined ? { slPrice: sl } : {}),
      confidence,
      reasoning,
    },
  };
}

/** A level from the answer: undefined when absent/null, a number when valid, else the reason. */
function level(value: unknown, field: string): number | undefined | string {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return `${field} ${snippet(value, 20)} is not a positive price`;
  return value;
}
