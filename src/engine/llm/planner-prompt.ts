/**
 * The planner's side of the LLM contract: the prompt that asks for one strategy, lookback and
 * threshold, the JSON schema of the answer, and its validator. The agent builds the messages and
 * checks the answer; the hub only relays them (`POST /internal/agents/:id/llm`).
 *
 * What the original got wrong and this does not (the original Artic's `app/llm/llm_planner.py`):
 * - its strategy shortlist and the numeric ranges shown in the prompt were never enforced: here an
 *   unknown strategy, a lookback or threshold out of bounds, or malformed JSON is `ok: false`, and
 *   the agent falls back to the rules planner and logs why;
 * - its threshold was a raw return (0.0002–0.003); ours is |signal| on the strategies' shared
 *   [-1, 1] scale (`src/engine/strategies/types.ts`), and the prompt says so.
 *
 * Units: prices in quote currency; margin in USDT.
 */
import type { RiskProfile, LlmMessage } from '../../shared/wire.js';
import { STRATEGIES, STRATEGY_NAMES, resolveStrategyName, type StrategyName } from '../strategies/index.js';
import { candleLines, extractJsonObject, indicatorLines, num, reasoningOf, snippet, type CandleSummary } from './prompt-format.js';

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
  if (
    typeof lookback !== 'number' ||
    !Number.isFinite(lookback) ||
    Math.round(lookback) < minLookback ||
    Math.round(lookback) > maxLookback
  ) {
    return {
      ok: false,
      reason: `lookback ${snippet(lookback ?? 'missing', 20)} is not a number of bars in ${minLookback}..${maxLookback}`,
    };
  }
  const threshold = obj.threshold;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < minThreshold || threshold > maxThreshold) {
    return { ok: false, reason: `threshold ${snippet(threshold ?? 'missing', 20)} is not in ${minThreshold}..${maxThreshold}` };
  }
  return { ok: true, plan: { strategy, lookback: Math.round(lookback), threshold, reasoning: reasoningOf(obj) } };
}
