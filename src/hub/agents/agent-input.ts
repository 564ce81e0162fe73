/**
 * Validation of an agent's user-editable fields, shared by every adapter (bot, HTTP). Each
 * failure names the field and says what to type instead. The rules of the wire contract (symbol
 * id, interval, percentages, risk profiles, TP/SL modes) come from it; the product's own limits
 * (capital, leverage, poll and supervisor intervals) are narrower than what an agent accepts.
 */
import { Check } from '@sinclair/typebox/value';
import { stopLossPastLiquidation } from '../../shared/liquidation.js';
import { INTERVALS, isInterval } from '../../shared/market.js';
import { PositivePercent, RISK_PROFILES, TP_SL_MODES, isSymbolId, type AgentConfigWire } from '../../shared/wire.js';
import { ValidationError } from '../errors.js';

/** The user-editable fields of an agent: exactly what the agent program receives, less its id. */
export type AgentInput = Omit<AgentConfigWire, 'agentId'>;

export const AGENT_DEFAULTS: Omit<AgentInput, 'name' | 'symbol' | 'amountUsdt'> = {
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
};

export const LLM_PROVIDERS = ['openai', 'anthropic', 'deepseek', 'gemini'] as const;
export type LlmProvider = (typeof LLM_PROVIDERS)[number];

export interface InputLimits {
  maxLeverage: number;
}

/** A plain boolean (not a type guard): a failed check must not narrow the number to `never` in the message. */
function isPositivePercent(value: number): boolean {
  return Check(PositivePercent, value);
}

function finite(field: string, value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValidationError(field, `${what} must be a number.`);
  return value;
}

/** Checks one field; returns the normalised value or throws ValidationError. */
export function validateField<K extends keyof AgentInput>(field: K, value: AgentInput[K], limits: InputLimits): AgentInput[K] {
  switch (field) {
    case 'name': {
      const name = String(value).trim();
      if (!/^[\p{L}\p{N} _.-]{1,32}$/u.test(name)) {
        throw new ValidationError('name', 'Name must be 1-32 letters, digits, spaces, dots, dashes or underscores, e.g. "btc-scalper".');
      }
      return name as AgentInput[K];
    }
    case 'amountUsdt': {
      const v = finite('amountUsdt', value, 'Capital');
      if (v < 10 || v > 1_000_000)
        throw new ValidationError('amountUsdt', `Capital must be between 10 and 1,000,000 USDT, got ${v}. Type a number like 500.`);
      return v as AgentInput[K];
    }
    case 'leverage': {
      const v = finite('leverage', value, 'Leverage');
      if (!Number.isInteger(v) || v < 1 || v > limits.maxLeverage) {
        throw new ValidationError('leverage', `Leverage must be a whole number from 1 to ${limits.maxLeverage}, got ${v}. Type e.g. 5.`);
      }
      return v as AgentInput[K];
    }
    case 'riskProfile':
      if (!(RISK_PROFILES as readonly string[]).includes(String(value))) {
        throw new ValidationError('riskProfile', 'Risk profile must be conservative, moderate or aggressive.');
      }
      return value;
    case 'timeframe':
      if (!isInterval(String(value))) {
        throw new ValidationError('timeframe', `Timeframe must be one of ${INTERVALS.join(', ')}.`);
      }
      return value;
    case 'tpPct':
    case 'slPct': {
      if (value === null) return value;
      const label = field === 'tpPct' ? 'Take-profit' : 'Stop-loss';
      const v = finite(field, value, label);
      if (!isPositivePercent(v))
        throw new ValidationError(field, `${label} must be a percent above 0 and at most 100, got ${v}. Type e.g. 2.5, or skip.`);
      return v as AgentInput[K];
    }
    case 'tpSlMode':
      if (!(TP_SL_MODES as readonly string[]).includes(String(value)))
        throw new ValidationError('tpSlMode', 'TP/SL mode must be fixed or dynamic.');
      return value;
    case 'pollSeconds': {
      const v = finite('pollSeconds', value, 'Poll interval');
      if (!Number.isInteger(v) || v < 1 || v > 3600) throw new ValidationError('pollSeconds', 'Poll interval must be 1-3600 seconds.');
      return v as AgentInput[K];
    }
    case 'supervisorIntervalSeconds': {
      const v = finite('supervisorIntervalSeconds', value, 'Supervisor interval');
      if (!Number.isInteger(v) || v < 10 || v > 86_400)
        throw new ValidationError('supervisorIntervalSeconds', 'Supervisor interval must be 10-86400 seconds.');
      return v as AgentInput[K];
    }
    case 'maxSessionLossPct': {
      const v = finite('maxSessionLossPct', value, 'Session loss limit');
      if (!isPositivePercent(v))
        throw new ValidationError('maxSessionLossPct', 'Session loss limit must be a percent above 0 and at most 100.');
      return v as AgentInput[K];
    }
    case 'llmProvider':
      if (value !== null && !(LLM_PROVIDERS as readonly string[]).includes(String(value))) {
        throw new ValidationError('llmProvider', `LLM provider must be one of ${LLM_PROVIDERS.join(', ')}, or none.`);
      }
      return value;
    case 'symbol': {
      const v = String(value).trim().toUpperCase();
      if (!isSymbolId(v)) throw new ValidationError('symbol', 'Symbol must look like BTCUSDT.');
      return v as AgentInput[K];
    }
    default:
      return value;
  }
}

export function validateAgentInput(
  input: Partial<AgentInput> & Pick<AgentInput, 'symbol' | 'amountUsdt'>,
  limits: InputLimits,
): AgentInput {
  const merged: AgentInput = { ...AGENT_DEFAULTS, name: input.name ?? input.symbol, ...input } as AgentInput;
  const out = {} as AgentInput;
  for (const key of Object.keys(merged) as Array<keyof AgentInput>) {
    (out as unknown as Record<string, unknown>)[key] = validateField(key, merged[key] as never, limits);
  }
  // Whatever the take-profit and the mode (a stored stop-loss comes into force when the mode
  // switches to fixed): a stop at or past the liquidation price would never fire in time.
  const pastLiquidation = out.slPct === null ? null : stopLossPastLiquidation(out.slPct, out.leverage);
  if (pastLiquidation) throw new ValidationError('slPct', pastLiquidation);
  return out;
}
