/**
 * The agent ↔ hub contract, written once as TypeBox schemas: each schema is also its static
 * type (`StatusPush` the schema, `StatusPush` the type), the hub's Fastify routes validate with
 * the schemas and the agent checks the hub's requests with them (TypeBox's compiler).
 * JSON bodies only. Money in quote currency (USDT), percentages in percent (2.5 = 2.5 %), times
 * as ISO-8601 strings unless a field says `Ms` (Unix epoch milliseconds).
 * See docs/architecture.md for the protocol as a whole.
 */
export * from './primitives.js';
export * from './agent-config.js';
export * from './control.js';
export * from './status.js';
export * from './orders.js';
export * from './market.js';
export * from './llm.js';
