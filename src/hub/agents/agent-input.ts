/**
 * Validation of an agent's user-editable fields, shared by every adapter (bot, HTTP). The rules
 * and their words are the contract's (src/shared/contract/agent-input.ts: the Mini App's form runs
 * the same); here a refusal becomes a `ValidationError` naming the field.
 */
import { checkAgentField, checkAgentInput, type AgentConfigWire, type FieldCheck, type InputLimits } from '../../shared/wire.js';
import { ValidationError } from '../errors.js';

export { AGENT_DEFAULTS, LLM_PROVIDERS, type InputLimits, type LlmProvider } from '../../shared/wire.js';

/**
 * The user-editable fields of an agent: what the agent program receives, less its id, and the
 * settings the hub enforces itself (`HUB_APPLIED_FIELDS`, never sent to the agent).
 */
export type AgentInput = Omit<AgentConfigWire, 'agentId'> & {
  /** USD of LLM use per UTC day after which the agent plans with its rules; null: no limit. */
  llmDailyBudgetUsd: number | null;
};

/** Settings the hub applies at once by itself, whatever the agent runs: no restart, nothing sent. */
export const HUB_APPLIED_FIELDS: ReadonlyArray<keyof AgentInput> = ['llmDailyBudgetUsd'];

function valueOrThrow<T>(checked: FieldCheck<T>): T {
  if (!checked.ok) throw new ValidationError(checked.field, checked.message);
  return checked.value;
}

/** Checks one field; returns the normalised value or throws ValidationError. */
export function validateField<K extends keyof AgentInput>(field: K, value: AgentInput[K], limits: InputLimits): AgentInput[K] {
  return valueOrThrow(checkAgentField(field as never, value, limits)) as AgentInput[K];
}

export function validateAgentInput(
  input: Partial<AgentInput> & Pick<AgentInput, 'symbol' | 'amountUsdt'>,
  limits: InputLimits,
): AgentInput {
  return valueOrThrow(checkAgentInput(input as never, limits)) as unknown as AgentInput;
}
