/**
 * A trading agent: its configuration, where it runs, and the last state it reported.
 * Money amounts are in quote currency (USDT); percentages are percent (2.5 = 2.5 %).
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AGENT_STATUSES, RISK_PROFILES, TP_SL_MODES, WIRE_LIMITS, type PositionWire } from '../../shared/wire.js';
import { UserSchema } from './user.js';

/** The list is the client API's (src/shared/contract/api.ts): one list of record statuses. */
export { AGENT_STATUSES };
export type AgentStatus = (typeof AGENT_STATUSES)[number];
/** Statuses with a session under way (being started, running or being stopped). */
export const ACTIVE_AGENT_STATUSES: ReadonlySet<string> = new Set<AgentStatus>(['starting', 'running', 'stopping']);

/** The open position an agent holds, as the broker recorded it (null when flat); the wire shape. */
export type OpenPosition = PositionWire;

export const AgentSchema = defineEntity({
  name: 'Agent',
  tableName: 'agents',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => crypto.randomUUID()),
    owner: () => p.manyToOne(UserSchema).deleteRule('cascade'),
    name: p.string().length(64),
    /** Canonical symbol id, e.g. `BTCUSDT` (the contract's `SymbolId`: at most 16 characters). */
    symbol: p.string().length(32),
    status: p.enum([...AGENT_STATUSES]).default('created'),
    /** Why the agent is failed/stopped, in words the user will see. */
    statusReason: p.text().nullable(),
    runtime: p.string().length(16).nullable(),
    containerId: p.string().length(128).nullable(),
    /** Allocated agent port; unique while allocated, NULL when released. */
    port: p.integer().nullable().unique(),

    amountUsdt: p.double().runtimeType('number').$type<number>(),
    leverage: p.integer().default(5),
    riskProfile: p.enum([...RISK_PROFILES]).default('moderate'),
    timeframe: p.string().length(8).default('15m'),
    tpPct: p.double().runtimeType('number').$type<number>().nullable(),
    slPct: p.double().runtimeType('number').$type<number>().nullable(),
    tpSlMode: p.enum([...TP_SL_MODES]).default('fixed'),
    pollSeconds: p.integer().default(10),
    supervisorIntervalSeconds: p.integer().default(300),
    maxSessionLossPct: p.double().runtimeType('number').$type<number>().default(10),
    closeOnStop: p.boolean().default(true),
    llmProvider: p.string().length(32).nullable(),
    llmModel: p.string().length(64).nullable(),
    liveMode: p.boolean().default(false),
    /** Strategy name from the library; null lets the planner choose. */
    strategy: p.string().length(WIRE_LIMITS.maxStrategyNameChars).nullable(),
    /** The owner let this agent appear on /leaderboard (by its name only; paper agents only). */
    leaderboardOptIn: p.boolean().default(false),

    /**
     * Leverage and paper/live of the session started last, fixed when it was sent `/start`: the
     * broker trades the session on these, whatever the settings above were edited to since (they
     * apply at the next start). Null until the first start.
     */
    sessionLeverage: p.integer().nullable(),
    sessionLiveMode: p.boolean().nullable(),
    /**
     * Paused by the owner (/pause): no new position is opened (the agent holds back, and the
     * broker refuses its opens); an open one stays managed. Sent in `/start` and live (`POST
     * /config`), so a restarted session stays paused.
     */
    paused: p.boolean().default(false),

    position: p.json<OpenPosition>().nullable(),
    lastPrice: p.double().runtimeType('number').$type<number>().nullable(),
    unrealizedPnl: p.double().runtimeType('number').$type<number>().default(0),
    realizedPnl: p.double().runtimeType('number').$type<number>().default(0),
    lastAction: p.string().length(256).nullable(),
    activeStrategy: p.string().length(WIRE_LIMITS.maxStrategyNameChars).nullable(),
    lastStatusAt: p.datetime().nullable(),
    startedAt: p.datetime().nullable(),
    restartCount: p.integer().default(0),
    /**
     * Bumped at every start; agent tokens carry it, and only a token of the current generation
     * is accepted (src/hub/auth/agent-credentials.ts). An adopted agent keeps its generation.
     */
    tokenGeneration: p.integer().default(0),
    llmPromptTokens: p.bigint('number').default(0),
    llmCompletionTokens: p.bigint('number').default(0),
    /** USD of LLM use per UTC day after which the agent plans with its rules until midnight; null: no limit. */
    llmDailyBudgetUsd: p.double().runtimeType('number').$type<number>().nullable(),

    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
  indexes: [{ properties: ['owner', 'status'] }, { properties: ['status'] }],
  uniques: [{ properties: ['owner', 'name'] }],
});

export type Agent = InferEntity<typeof AgentSchema>;
