/**
 * The agent ↔ hub wire contract, imported by both the hub and the agent bundle. The schemas and
 * their types live in src/shared/contract/ (one file per topic); this is the one entry point.
 * See docs/architecture.md.
 *
 * Hub → agent (every request carries `Authorization: Bearer <agent token>`):
 *   GET /health → AgentHealth · POST /start StartRequest → AgentStatus · POST /stop StopRequest
 *   → AgentStatus · GET /status → AgentStatus · POST /config LiveConfigPatch → AgentStatus
 * Agent → hub (same token):
 *   POST /internal/agents/:id/status StatusPush · POST /internal/agents/:id/logs LogBatch
 *   POST /internal/agents/:id/orders OrderRequest → OrderResult
 *   POST /internal/agents/:id/decisions DecisionPush · POST /internal/agents/:id/llm LlmRequest
 *   GET /internal/market/candles?symbol=&interval=&limit= · GET /internal/market/price?symbol=
 */
export * from './contract/index.js';
