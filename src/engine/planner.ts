/**
 * The planner: which strategy the engine trades, with which lookback (bars) and threshold
 * (|signal| on the shared scale of `src/engine/strategies/types.ts`).
 *
 * Order: the strategy fixed in the config, if it names a known strategy → else the hub LLM (when
 * the agent has an `llmProvider`) asked with the planner prompt and schema
 * (`src/engine/llm/planner-prompt.ts`), its answer validated by its parser → else, or when the
 * LLM fails or answers something invalid, the deterministic rules planner.
 */
import type { Candle } from '../shared/market.js';
import {
  DEFAULT_SIGNAL_THRESHOLD,
  adx,
  atr,
  getStrategy,
  resolveStrategyName,
  rulesPlanner,
  type StrategyName,
} from './strategies/index.js';
import { PLANNER_SCHEMA, parsePlannerAnswer, plannerMessages, type PlannerContext } from './llm/planner-prompt.js';
import { summarizeCandles } from './llm/prompt-format.js';
import type { AgentConfigWire, DecisionLlm, DecisionSource, LlmResponse } from '../shared/wire.js';
import { AgentStoppingError, errorMessage, type EngineHub, type EngineLog } from './ports.js';

export interface StrategyPlan {
  strategy: StrategyName;
  /** Bars, passed as the strategy's `lookback` parameter. */
  lookback: number;
  /** |signal| needed to act, in (0, 1]. */
  threshold: number;
  reasoning: string;
  source: DecisionSource;
  /** The LLM call that made the plan (source `llm`). */
  llm?: DecisionLlm;
}

export interface PlanDeps {
  config: AgentConfigWire;
  candles: readonly Candle[];
  hub: Pick<EngineHub, 'llm'>;
  log: EngineLog;
  signal?: AbortSignal;
}

export async function planStrategy(deps: PlanDeps): Promise<StrategyPlan> {
  const { config, candles, log } = deps;
  if (config.strategy) {
    const name = resolveStrategyName(config.strategy);
    if (name) {
      return {
        strategy: name,
        lookback: defaultLookback(name),
        threshold: DEFAULT_SIGNAL_THRESHOLD,
        reasoning: 'strategy set in the agent config',
        source: 'config',
      };
    }
    log.warn(`planner: unknown strategy "${config.strategy}" in config; planning instead`);
  }
  if (config.llmProvider) {
    try {
      const answer = await deps.hub.llm(
        { purpose: 'planner', messages: plannerMessages(plannerContext(config, candles)), jsonSchema: PLANNER_SCHEMA, maxTokens: 400 },
        deps.signal,
      );
      const parsed = parsePlannerAnswer(typeof answer.content === 'string' ? answer.content : '');
      if (parsed.ok) return { ...parsed.plan, source: 'llm', llm: llmUsage(answer) };
      log.warn(`planner: LLM plan invalid (${parsed.reason}); using the rules planner`);
    } catch (err) {
      if (err instanceof AgentStoppingError) throw err;
      log.warn(`planner: LLM unavailable (${errorMessage(err)}); using the rules planner`);
    }
  }
  return fromRules(candles);
}

/** The strategy's own default lookback in bars (20 when it takes none). */
export function defaultLookback(name: StrategyName): number {
  return getStrategy(name).params.lookback?.default ?? 20;
}

/** What a decision records of the LLM answer it came from. */
export function llmUsage(answer: LlmResponse): DecisionLlm {
  return { provider: answer.provider, model: answer.model, ...answer.usage };
}

function fromRules(candles: readonly Candle[]): StrategyPlan {
  const p = rulesPlanner(candles);
  return { strategy: p.strategy, lookback: p.lookback, threshold: p.threshold, reasoning: p.reason, source: 'rules' };
}

/** What the shared planner prompt is told: the agent's settings, the market and the rules planner's read. */
export function plannerContext(config: AgentConfigWire, candles: readonly Candle[]): PlannerContext {
  const last = candles[candles.length - 1];
  const atr14 = atr(candles, 14);
  const adx14 = adx(candles, 14);
  const rules = rulesPlanner(candles);
  return {
    symbol: config.symbol,
    timeframe: config.timeframe,
    riskProfile: config.riskProfile,
    leverage: config.leverage,
    amountUsdt: config.amountUsdt,
    candles: summarizeCandles(candles),
    indicators: {
      atr14: atr14 ?? null,
      atr14Pct: atr14 !== undefined && last ? (atr14 / last.close) * 100 : null,
      adx14: adx14 ?? null,
    },
    rulesSuggestion: { strategy: rules.strategy, regime: rules.regime, reason: rules.reason },
  };
}
