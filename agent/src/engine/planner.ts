/**
 * The planner: which strategy the engine trades, with which lookback (bars) and threshold
 * (|signal| on the shared scale of `src/shared/strategies/types.ts`).
 *
 * Order: the strategy fixed in the config, if it names a known strategy → else the hub LLM (when
 * the agent has an `llmProvider`) asked with a JSON schema, its answer validated → else, or when
 * the LLM fails or answers something invalid, the deterministic rules planner.
 */
import type { Candle } from '../../../src/shared/market.js';
import {
  DEFAULT_SIGNAL_THRESHOLD,
  STRATEGIES,
  adx,
  atr,
  getStrategy,
  resolveStrategyName,
  rulesPlanner,
  type StrategyName,
} from '../../../src/shared/strategies/index.js';
import type { AgentConfigWire, LlmMessage } from '../../../src/shared/wire.js';
import type { AgentLog } from '../agent-log.js';
import { errorMessage } from '../agent-log.js';
import { AgentStoppingError } from '../errors.js';
import type { HubApi } from '../hub-client.js';
import { fmtNum, fmtPrice } from './format.js';
import { extractJsonObject } from './llm-json.js';

export interface StrategyPlan {
  strategy: StrategyName;
  /** Bars, passed as the strategy's `lookback` parameter. */
  lookback: number;
  /** |signal| needed to act, in (0, 1]. */
  threshold: number;
  reasoning: string;
  source: 'config' | 'llm' | 'rules';
}

/** Bounds an LLM plan must respect (else the rules planner is used). */
export const LLM_PLAN_BOUNDS = { minLookback: 2, maxLookback: 500, minThreshold: 0.05, maxThreshold: 1 } as const;

/** JSON schema sent with the planner request (OpenAI strict-mode compatible). */
export const PLAN_JSON_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    strategy: { type: 'string', enum: STRATEGIES.map((s) => s.name) },
    lookback: { type: 'integer', minimum: LLM_PLAN_BOUNDS.minLookback, maximum: LLM_PLAN_BOUNDS.maxLookback },
    threshold: { type: 'number', minimum: LLM_PLAN_BOUNDS.minThreshold, maximum: LLM_PLAN_BOUNDS.maxThreshold },
    reasoning: { type: 'string' },
  },
  required: ['strategy', 'lookback', 'threshold', 'reasoning'],
  additionalProperties: false,
};

export interface PlanDeps {
  config: AgentConfigWire;
  candles: readonly Candle[];
  hub: Pick<HubApi, 'llm'>;
  log: AgentLog;
  signal?: AbortSignal;
}

export async function planStrategy(deps: PlanDeps): Promise<StrategyPlan> {
  const { config, candles, log } = deps;
  if (config.strategy) {
    const name = resolveStrategyName(config.strategy);
    if (name) {
      const lookback = getStrategy(name).params.lookback?.default ?? 20;
      return { strategy: name, lookback, threshold: DEFAULT_SIGNAL_THRESHOLD, reasoning: 'strategy set in the agent config', source: 'config' };
    }
    log.warn(`planner: unknown strategy "${config.strategy}" in config; planning instead`);
  }
  if (config.llmProvider) {
    try {
      const answer = await deps.hub.llm(
        { purpose: 'planner', messages: plannerMessages(config, candles), jsonSchema: PLAN_JSON_SCHEMA, maxTokens: 400 },
        deps.signal,
      );
      const parsed = parseLlmPlan(answer.content);
      if ('plan' in parsed) return parsed.plan;
      log.warn(`planner: LLM plan invalid (${parsed.error}); using the rules planner`);
    } catch (err) {
      if (err instanceof AgentStoppingError) throw err;
      log.warn(`planner: LLM unavailable (${errorMessage(err)}); using the rules planner`);
    }
  }
  return fromRules(candles);
}

function fromRules(candles: readonly Candle[]): StrategyPlan {
  const p = rulesPlanner(candles);
  return { strategy: p.strategy, lookback: p.lookback, threshold: p.threshold, reasoning: p.reason, source: 'rules' };
}

/** Validates an LLM planner answer; `{error}` says what was wrong. */
export function parseLlmPlan(content: string): { plan: StrategyPlan } | { error: string } {
  const obj = extractJsonObject(content);
  if (!obj) return { error: `no JSON object in answer "${snippet(content)}"` };
  if (typeof obj.strategy !== 'string') return { error: 'strategy missing' };
  const strategy = resolveStrategyName(obj.strategy);
  if (!strategy) return { error: `unknown strategy "${snippet(obj.strategy)}"` };
  const { minLookback, maxLookback, minThreshold, maxThreshold } = LLM_PLAN_BOUNDS;
  const lookback = obj.lookback;
  if (typeof lookback !== 'number' || !Number.isFinite(lookback) || lookback < minLookback || lookback > maxLookback) {
    return { error: `lookback ${snippet(JSON.stringify(lookback) ?? 'missing')} not in ${minLookback}..${maxLookback}` };
  }
  const threshold = obj.threshold;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < minThreshold || threshold > maxThreshold) {
    return { error: `threshold ${snippet(JSON.stringify(threshold) ?? 'missing')} not in ${minThreshold}..${maxThreshold}` };
  }
  const reasoning = typeof obj.reasoning === 'string' ? obj.reasoning.trim() : '';
  return { plan: { strategy, lookback: Math.round(lookback), threshold, reasoning, source: 'llm' } };
}

/** The planner prompt: the agent's settings, measured market features and the strategy menu. */
export function plannerMessages(config: AgentConfigWire, candles: readonly Candle[]): LlmMessage[] {
  const last = candles[candles.length - 1];
  const atr14 = atr(candles, 14);
  const adx14 = adx(candles, 14);
  const rules = rulesPlanner(candles);
  const closes = candles.slice(-30).map((c) => fmtPrice(c.close));
  const menu = STRATEGIES.map((s) => `- ${s.name} (${s.family}): ${s.description}`).join('\n');
  const features = [
    `Last close: ${last ? fmtPrice(last.close) : 'n/a'}`,
    `ATR(14): ${atr14 !== undefined && last ? `${fmtPrice(atr14)} (${fmtNum((atr14 / last.close) * 100, 3)}% of price)` : 'n/a'}`,
    `ADX(14): ${adx14 !== undefined ? fmtNum(adx14, 1) : 'n/a'}`,
    `Rules-based read: ${rules.regime} → ${rules.strategy} (${rules.reason})`,
    `Last ${closes.length} closes (oldest first): ${closes.join(', ')}`,
  ].join('\n');
  return [
    { role: 'system', content: 'You are a quantitative trading strategist. Return valid JSON only. No other text.' },
    {
      role: 'user',
      content:
        `Pick a signal strategy for this agent.\n` +
        `Symbol: ${config.symbol}, margin ${config.amountUsdt} USDT, leverage ${config.leverage}x, risk ${config.riskProfile}\n` +
        `Timeframe: ${config.timeframe}, bars: ${candles.length}\n${features}\n\n` +
        `Strategies (signals are convictions in [-1, 1]; 0.5 = the textbook entry condition, act at |signal| >= threshold, 0.3 is typical; ` +
        `use a higher threshold for conservative risk, a lower one for aggressive):\n${menu}\n\n` +
        `Return ONLY JSON: {"strategy": "<name from the list>", "lookback": <bars ${LLM_PLAN_BOUNDS.minLookback}-${LLM_PLAN_BOUNDS.maxLookback}>, ` +
        `"threshold": <${LLM_PLAN_BOUNDS.minThreshold}-${LLM_PLAN_BOUNDS.maxThreshold}>, "reasoning": "<two sentences>"}`,
    },
  ];
}

function snippet(s: string, max = 80): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? one.slice(0, max - 1) + '…' : one;
}
