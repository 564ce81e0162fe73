/**
 * The agent ↔ hub wire contract, imported by both the hub and the agent bundle: the one entry
 * point to the TypeBox schemas in src/shared/contract/ (one file per topic). Each schema is also
 * its static type (`StatusPush` the schema, `StatusPush` the type); the hub's Fastify routes
 * validate with the schemas and the agent checks the hub's requests with them (TypeBox's
 * compiler). JSON bodies only. Money in quote currency (USDT), percentages in percent
 * (2.5 = 2.5 %), times as ISO-8601 strings unless a field says `Ms` (Unix epoch milliseconds).
 * See docs/architecture.md for the protocol as a whole.
 *
 * Hub → agent (every request carries `Authorization: Bearer <agent token>`):
 *   GET /health → AgentHealth · POST /start StartRequest → AgentStatus · POST /stop StopRequest
 *   → AgentStatus · GET /status → AgentStatus · POST /config LiveConfigPatch → AgentStatus
 * Agent → hub (same token):
 *   POST /internal/agents/:id/status StatusPush · POST /internal/agents/:id/logs LogBatch
 *   POST /internal/agents/:id/orders OrderRequest → OrderResult
 *   POST /internal/agents/:id/decisions DecisionPush · POST /internal/agents/:id/llm LlmRequest
 *   GET /internal/market/candles?symbol=&interval=&limit= · GET /internal/market/price?symbol=
 * Clients → hub (user tokens): the `/api/v1` routes and `/ws` messages of contract/api.ts, with
 * agent settings and their rules in contract/agent-input.ts (shared with the chat's /create).
 */
export * from './contract/primitives.js';
export * from './contract/agent-config.js';
export * from './contract/control.js';
export * from './contract/status.js';
export * from './contract/orders.js';
export * from './contract/market.js';
export * from './contract/llm.js';
export * from './contract/agent-input.js';
export * from './contract/api.js';
export * from './contract/api-data.js';
export * from './contract/api-backtests.js';
export * from './contract/api-ws.js';
