/**
 * Hooks the hub core calls where a measured thing happens, for the operator's metrics
 * (src/hub/ops/metrics.ts implements them). Each is called on a hot path: it must be cheap
 * (a counter or a histogram observation) and never throw.
 */
import type { LlmProvider } from '../llm/providers.js';
import type { TokenUsage } from '../llm/usage.js';

export interface HubProbes {
  /** An order the broker answered with a result (a fill or a replay): its time in the broker (ms) and whether it was live. */
  order(ms: number, live: boolean): void;
  /** The tokens one answered LLM attempt used and their cost in USD (0 when the model has no price). */
  llmUsage(provider: LlmProvider, usage: TokenUsage, costUsd: number): void;
}
