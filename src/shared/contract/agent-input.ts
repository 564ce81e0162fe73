/**
 * The user-editable settings of an agent and THE rules they follow, written once for every side
 * that takes them from a person: the chat's /create and /edit (src/bot, through the hub's
 * src/hub/agents/agent-input.ts), the client API's `POST /api/v1/agents` (its schema below) and
 * the Mini App's form (the same `checkAgentField` in the browser). A value one accepts the
 * others accept, refused with the same words.
 *
 * These limits are the product's and narrower than what an agent program accepts
 * (`AgentConfigWire`). Money in quote currency (USDT), percentages in percent (2.5 = 2.5 %).
 * Pure: no imports outside src/shared, so the agent bundle and the browser bundle can load it.
 */
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { stopLossPastLiquidation } from '../liquidation.js';
import { AgentConfigWire, RISK_PROFILES, TP_SL_MODES } from './agent-config.js';
import { INTERVALS, Nullable, OneOf, PositivePercent, SymbolInput, isInterval, isSymbolId } from './primitives.js';

/** LLM providers an agent may be supervised by; null (none) runs it on rules only. */
export const LLM_PROVIDERS = ['openai', 'anthropic', 'deepseek', 'gemini'] as const;
export type LlmProvider = (typeof LLM_PROVIDERS)[number];
export const LlmProviderName = OneOf(LLM_PROVIDERS);

/**
 * The product's limits on an agent's settings. `leverage.max` is the most any server allows
 * (MAX_LEVERAGE's ceiling); a server's own maximum is MAX_LEVERAGE (default 20), which the
 * hub checks and `GET /api/v1/create-options` reports.
 */
export const AGENT_INPUT_LIMITS = {
  /** 1–32 letters, digits, spaces, dots, dashes or underscores (any script). */
  namePattern: '^[\\p{L}\\p{N} _.-]{1,32}$',
  nameMaxChars: 32,
  /** Capital of the agent, USDT. */
  amountUsdt: { min: 10, max: 1_000_000 },
  /** Whole numbers. */
  leverage: { min: 1, max: 125 },
  /** Seconds between the agent's ticks, whole numbers. */
  pollSeconds: { min: 1, max: 3600 },
  /** Seconds between the LLM supervisor's reviews, whole numbers. */
  supervisorIntervalSeconds: { min: 10, max: 86_400 },
  /** USD of LLM use per UTC day: above 0 and at most this; null means no limit. */
  llmDailyBudgetUsd: { max: 10_000 },
} as const;

const NAME_RULE = new RegExp(AGENT_INPUT_LIMITS.namePattern, 'u');

/**
 * Every user-editable setting. The same fields as the agent program's config (less its id and
 * the owner's pause switch) plus the daily LLM budget, which the hub enforces itself.
 */
export const AgentSettings = Type.Object({
  ...Type.Omit(AgentConfigWire, ['agentId', 'paused', 'llmProvider']).properties,
  /** openai, anthropic, deepseek, gemini; null: rules only, no LLM. */
  llmProvider: Nullable(LlmProviderName),
  /** USD of LLM use per UTC day after which the agent plans with its rules; null: no limit. */
  llmDailyBudgetUsd: Nullable(Type.Number()),
});
export type AgentSettings = Static<typeof AgentSettings>;

/** Defaults of every setting a creator may leave out (name defaults to the symbol). */
export const AGENT_DEFAULTS: Omit<AgentSettings, 'name' | 'symbol' | 'amountUsdt'> = {
  leverage: 5,
  riskProfile: 'moderate',
  timeframe: '15m',
  tpPct: null,
  slPct: null,
  tpSlMode: 'fixed',
  pollSeconds: 10,
  supervisorIntervalSeconds: 300,
  maxSessionLossPct: 10,
  closeOnStop: true,
  llmProvider: null,
  llmModel: null,
  liveMode: false,
  strategy: null,
  llmDailyBudgetUsd: null,
};

const L = AGENT_INPUT_LIMITS;
const wholeIn = (r: { min: number; max: number }) => Type.Integer({ minimum: r.min, maximum: r.max });

/**
 * Body of `POST /api/v1/agents`: `symbol` and `amountUsdt` are required, every other setting
 * defaults as in `AGENT_DEFAULTS`. The schema carries the limits above for the reader and the
 * OpenAPI document; the hub then applies `checkAgentInput` (the chat's rules and words).
 */
export const CreateAgentRequest = Type.Object(
  {
    /** Any spelling the chat reads (`BTCUSDT`, `btc/usdt`, `BTC`); it must be a pair the server's market data serves. */
    symbol: SymbolInput,
    /** Default: the symbol's base, e.g. "btc-agent" in the chat, the symbol here. */
    name: Type.Optional(Type.String({ minLength: 1, maxLength: L.nameMaxChars + 8 })),
    /** Capital, USDT. */
    amountUsdt: Type.Number({ minimum: L.amountUsdt.min, maximum: L.amountUsdt.max }),
    leverage: Type.Optional(wholeIn(L.leverage)),
    riskProfile: Type.Optional(OneOf(RISK_PROFILES)),
    timeframe: Type.Optional(OneOf(INTERVALS)),
    /** Take-profit, percent of the entry price; null: none. */
    tpPct: Type.Optional(Nullable(PositivePercent)),
    /** Stop-loss, percent of the entry price; null: none. Must stay short of the liquidation at the leverage. */
    slPct: Type.Optional(Nullable(PositivePercent)),
    tpSlMode: Type.Optional(OneOf(TP_SL_MODES)),
    pollSeconds: Type.Optional(wholeIn(L.pollSeconds)),
    supervisorIntervalSeconds: Type.Optional(wholeIn(L.supervisorIntervalSeconds)),
    /** Session loss limit, percent of the capital. */
    maxSessionLossPct: Type.Optional(PositivePercent),
    closeOnStop: Type.Optional(Type.Boolean()),
    /** Needs a key of that provider available to the user (their own or the server's). */
    llmProvider: Type.Optional(Nullable(LlmProviderName)),
    llmModel: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    /** USD per UTC day; null: no limit. */
    llmDailyBudgetUsd: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, maximum: L.llmDailyBudgetUsd.max }))),
    /** Live money on HashKey; needs the user's HashKey keys (stored through the chat). */
    liveMode: Type.Optional(Type.Boolean()),
    /** Strategy name from the library; null lets the planner choose. */
    strategy: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    /** Start the agent at once, as the chat's Launch does (default true). */
    start: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateAgentRequest = Static<typeof CreateAgentRequest>;

/** A setting's verdict: its normalised value, or why it is refused (a sentence a trader reads). */
export type FieldCheck<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

/** What the rules depend on that varies by server. */
export interface InputLimits {
  /** MAX_LEVERAGE of the server. */
  maxLeverage: number;
}

const refuse = (field: string, message: string): FieldCheck<never> => ({ ok: false, field, message });
const accept = <T>(value: T): FieldCheck<T> => ({ ok: true, value });
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const inPositivePercent = (v: number) => v > PositivePercent.exclusiveMinimum! && v <= PositivePercent.maximum!;

/** A number setting: refused when not a finite number; otherwise `rule` decides. */
function numeric(field: string, value: unknown, what: string, rule: (v: number) => string | null): FieldCheck<number> {
  if (!isNumber(value)) return refuse(field, `${what} must be a number.`);
  const problem = rule(value);
  return problem ? refuse(field, problem) : accept(value);
}

function checkNumberField(field: keyof AgentSettings, value: unknown, limits: InputLimits): FieldCheck<number | null> | undefined {
  switch (field) {
    case 'amountUsdt':
      return numeric(field, value, 'Capital', (v) =>
        v < L.amountUsdt.min || v > L.amountUsdt.max
          ? `Capital must be between 10 and 1,000,000 USDT, got ${v}. Type a number like 500.`
          : null,
      );
    case 'leverage':
      return numeric(field, value, 'Leverage', (v) =>
        !Number.isInteger(v) || v < L.leverage.min || v > limits.maxLeverage
          ? `Leverage must be a whole number from 1 to ${limits.maxLeverage}, got ${v}. Type e.g. 5.`
          : null,
      );
    case 'tpPct':
    case 'slPct': {
      if (value === null) return accept(null);
      const label = field === 'tpPct' ? 'Take-profit' : 'Stop-loss';
      return numeric(field, value, label, (v) =>
        inPositivePercent(v) ? null : `${label} must be a percent above 0 and at most 100, got ${v}. Type e.g. 2.5, or skip.`,
      );
    }
    case 'pollSeconds':
      return numeric(field, value, 'Poll interval', (v) =>
        !Number.isInteger(v) || v < L.pollSeconds.min || v > L.pollSeconds.max ? 'Poll interval must be 1-3600 seconds.' : null,
      );
    case 'supervisorIntervalSeconds':
      return numeric(field, value, 'Supervisor interval', (v) =>
        !Number.isInteger(v) || v < L.supervisorIntervalSeconds.min || v > L.supervisorIntervalSeconds.max
          ? 'Supervisor interval must be 10-86400 seconds.'
          : null,
      );
    case 'maxSessionLossPct':
      return numeric(field, value, 'Session loss limit', (v) =>
        inPositivePercent(v) ? null : 'Session loss limit must be a percent above 0 and at most 100.',
      );
    case 'llmDailyBudgetUsd':
      if (value === null) return accept(null);
      return numeric(field, value, 'Daily LLM budget', (v) =>
        v <= 0 || v > L.llmDailyBudgetUsd.max
          ? `Daily LLM budget must be more than 0 and at most ${L.llmDailyBudgetUsd.max.toLocaleString('en-US')} USD, got ${v}. Type e.g. 0.50, or none.`
          : null,
      );
    default:
      return undefined;
  }
}

function checkChoiceField(field: keyof AgentSettings, value: unknown): FieldCheck<unknown> {
  const text = String(value);
  switch (field) {
    case 'name': {
      const name = text.trim();
      return NAME_RULE.test(name)
        ? accept(name)
        : refuse(field, 'Name must be 1-32 letters, digits, spaces, dots, dashes or underscores, e.g. "btc-scalper".');
    }
    case 'riskProfile':
      return (RISK_PROFILES as readonly string[]).includes(text)
        ? accept(value)
        : refuse(field, 'Risk profile must be conservative, moderate or aggressive.');
    case 'timeframe':
      return isInterval(text) ? accept(value) : refuse(field, `Timeframe must be one of ${INTERVALS.join(', ')}.`);
    case 'tpSlMode':
      return (TP_SL_MODES as readonly string[]).includes(text) ? accept(value) : refuse(field, 'TP/SL mode must be fixed or dynamic.');
    case 'llmProvider':
      return value === null || (LLM_PROVIDERS as readonly string[]).includes(text)
        ? accept(value)
        : refuse(field, `LLM provider must be one of ${LLM_PROVIDERS.join(', ')}, or none.`);
    case 'symbol': {
      const symbol = text.trim().toUpperCase();
      return isSymbolId(symbol) ? accept(symbol) : refuse(field, 'Symbol must look like BTCUSDT.');
    }
    default:
      return accept(value);
  }
}

/** One setting alone: its normalised value (a trimmed name, an upper-case symbol) or why not. */
export function checkAgentField<K extends keyof AgentSettings>(
  field: K,
  value: unknown,
  limits: InputLimits,
): FieldCheck<AgentSettings[K]> {
  return (checkNumberField(field, value, limits) ?? checkChoiceField(field, value)) as FieldCheck<AgentSettings[K]>;
}

/**
 * Every setting of a new or edited agent, defaults filled in, and the rules across settings (a
 * stop-loss at or past the liquidation price at that leverage never fires in time). The first
 * refusal, or the whole normalised settings.
 */
export function checkAgentInput(
  input: Partial<AgentSettings> & Pick<AgentSettings, 'symbol' | 'amountUsdt'>,
  limits: InputLimits,
): FieldCheck<AgentSettings> {
  const merged = { ...AGENT_DEFAULTS, name: input.name ?? input.symbol, ...input } as AgentSettings;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(merged) as Array<keyof AgentSettings>) {
    const checked = checkAgentField(key, merged[key], limits);
    if (!checked.ok) return checked;
    out[key] = checked.value;
  }
  const settings = out as AgentSettings;
  const pastLiquidation = settings.slPct === null ? null : stopLossPastLiquidation(settings.slPct, settings.leverage);
  return pastLiquidation ? refuse('slPct', pastLiquidation) : accept(settings);
}
