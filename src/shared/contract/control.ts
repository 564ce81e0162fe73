/**
 * Hub → agent: the agent's control API. Every request carries `Authorization: Bearer <agent
 * token>`; the agent answers errors as `ErrorBody`. See docs/architecture.md.
 *
 *   GET /health → AgentHealth · POST /start StartRequest → AgentStatus
 *   POST /stop StopRequest → AgentStatus · GET /status → AgentStatus
 *   POST /config LiveConfigPatch → AgentStatus (live settings of the running session)
 *
 * Request objects allow unknown fields (the agent drops them): a newer hub may send extras.
 */
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { AgentConfigWire } from './agent-config.js';
import { IsoTime, NonEmptyString, Nullable, OneOf, PositionSide, StrategyName } from './primitives.js';

const PRICE_MAX = 1e15;
/** A level of the position, or null. 0 is a price here: a 1x long is liquidated at 0. */
const priceOrNull = Nullable(Type.Number({ minimum: 0, maximum: PRICE_MAX }));

/** An open position as the hub's broker recorded it. */
export const PositionWire = Type.Object({
  tradeId: NonEmptyString(64),
  side: PositionSide,
  /** Base units. */
  qty: Type.Number({ exclusiveMinimum: 0, maximum: PRICE_MAX }),
  entryPrice: Type.Number({ exclusiveMinimum: 0, maximum: PRICE_MAX }),
  leverage: Type.Number({ minimum: 1, maximum: 200 }),
  /** Quote currency. */
  margin: Type.Number({ minimum: 0, maximum: 1e12 }),
  liquidationPrice: priceOrNull,
  tpPrice: priceOrNull,
  slPrice: priceOrNull,
  openedAt: Type.String({ maxLength: 40 }),
});
export type PositionWire = Static<typeof PositionWire>;

const HubUrl = Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048 });

export const StartRequest = Type.Object({
  config: AgentConfigWire,
  /** The open position to resume, or null when flat. */
  position: Nullable(PositionWire),
  /** Realised PnL so far (quote currency), for the session drawdown stop. */
  realizedPnl: Type.Number({ minimum: -1e12, maximum: 1e12 }),
  /** First log `seq` to use, so seqs keep increasing across restarts. */
  nextLogSeq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  /** Where the agent reaches the hub; "" keeps the one it was started with. */
  hubUrl: Type.Union([Type.Literal(''), HubUrl], { description: 'an http(s) URL or ""' }),
  /**
   * Every hub replica's URL, in order of preference (the agent fails over between them); wins over
   * `hubUrl` when non-empty. Optional: an older hub sends only `hubUrl`.
   */
  hubUrls: Type.Optional(Type.Array(HubUrl, { maxItems: 16 })),
});
export type StartRequest = Static<typeof StartRequest>;

export const StopRequest = Type.Object({
  /** Close the open position before stopping (defaults to the agent's `closeOnStop`). */
  closePosition: Type.Optional(Type.Boolean()),
  reason: Type.Optional(Type.String({ maxLength: 500 })),
});
export type StopRequest = Static<typeof StopRequest>;

export const AGENT_STATES = ['idle', 'running', 'stopping', 'stopped'] as const;
export const AgentState = OneOf(AGENT_STATES);
export type AgentState = Static<typeof AgentState>;

export const AgentHealth = Type.Object({
  ok: Type.Literal(true),
  agentId: Type.String(),
  state: AgentState,
  uptimeMs: Type.Number(),
  version: Type.String(),
});
export type AgentHealth = Static<typeof AgentHealth>;

/** What an agent reports of its session: in `AgentStatus` answers and in every `StatusPush`. */
export const sessionStatusFields = {
  state: AgentState,
  price: Nullable(Type.Number()),
  position: Nullable(PositionWire),
  unrealizedPnl: Type.Number(),
  realizedPnl: Type.Number(),
  strategy: Nullable(StrategyName),
  lastAction: Nullable(Type.String({ maxLength: 1000 })),
  /** Market data flagged stale or simulated by the hub. */
  stale: Type.Boolean(),
  simulated: Type.Boolean(),
  /**
   * Ticks of this session that began more than one poll interval late: the gap from the previous
   * tick's start over twice `pollSeconds` (a blocked event loop, a starved CPU or a slow hub).
   * Optional: agents built before it omit it.
   */
  lateTicks: Type.Optional(Type.Integer({ minimum: 0 })),
  ts: IsoTime,
};

export const AgentStatus = Type.Object({ agentId: Type.String(), ...sessionStatusFields });
export type AgentStatus = Static<typeof AgentStatus>;
