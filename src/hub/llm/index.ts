/** The hub's LLM gateway: provider table, typed errors, the gateway and its agent lookup. */
export { createLlmGateway } from './gateway.js';
export type { LlmGateway, LlmGatewayDeps } from './gateway.js';
export { createAgentLlmLookup } from './agent-llm.js';
export type { AgentLlmLookup, AgentLlmSettings } from './agent-llm.js';
export type { SecretResolver } from './secret-resolver.js';
export { LLM_PROVIDERS, PROVIDER_SPECS, isLlmProvider } from './providers.js';
export type { LlmProvider, ProviderSpec, JsonMode } from './providers.js';
export { createLlmBudget } from './budget.js';
export type { LlmBudget } from './budget.js';
export { LlmError, LlmBudgetExhaustedError, LlmNotConfiguredError, LlmAuthError, LlmRateLimitedError, LlmUnavailableError, LlmRejectedError } from './errors.js';
export { DEFAULT_MAX_TOKENS } from './chat-request.js';
