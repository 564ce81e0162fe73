/**
 * What an agent needs to trade (`AgentConfigWire`, sent in `POST /start`) and the part of it a
 * running session takes at once (`POST /config`). It never contains secrets. Money in quote
 * currency (USDT), percentages in percent (2.5 = 2.5 %). The hub's own input rules for users
 * (src/hub/agents/agent-input.ts) are narrower where the product wants them so (capital, poll
 * interval); the rules here are what an agent accepts. See docs/architecture.md.
 */
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Interval, NonEmptyString, Nullable, OneOf, Percent, PositivePercent, StrategyName, SymbolId } from './primitives.js';

export const RISK_PROFILES = ['conservative', 'moderate', 'aggressive'] as const;
export const RiskProfile = OneOf(RISK_PROFILES);
export type RiskProfile = Static<typeof RiskProfile>;

/** `fixed`: TP/SL stay at their percent from the entry; `dynamic`: the supervisor may move them. */
export const TP_SL_MODES = ['fixed', 'dynamic'] as const;
export const TpSlMode = OneOf(TP_SL_MODES);
export type TpSlMode = Static<typeof TpSlMode>;

/**
 * Unknown fields are allowed (and dropped by the agent): a newer hub may send optional extras.
 */
export const AgentConfigWire = Type.Object({
  agentId: NonEmptyString(200),
  name: Type.String({ maxLength: 200 }),
  /** Canonical symbol id, e.g. `BTCUSDT`. */
  symbol: SymbolId,
  amountUsdt: Type.Number({ exclusiveMinimum: 0, maximum: 1e9 }),
  leverage: Type.Number({ minimum: 1, maximum: 200 }),
  riskProfile: RiskProfile,
  /** Bar interval: 1m 5m 15m 30m 1h 4h 1d. */
  timeframe: Interval,
  tpPct: Nullable(PositivePercent),
  slPct: Nullable(PositivePercent),
  tpSlMode: TpSlMode,
  pollSeconds: Type.Number({ minimum: 0.05, maximum: 86_400 }),
  supervisorIntervalSeconds: Type.Number({ minimum: 1, maximum: 86_400 }),
  /** 0 turns the session loss stop off (the hub's users always set one). */
  maxSessionLossPct: Percent,
  closeOnStop: Type.Boolean(),
  llmProvider: Nullable(Type.String({ maxLength: 50 })),
  llmModel: Nullable(Type.String({ maxLength: 100 })),
  liveMode: Type.Boolean(),
  /** Strategy name from the library; null lets the planner choose. */
  strategy: Nullable(StrategyName),
  /**
   * Paused by the owner: the session opens no new position; an open one stays managed (TP/SL,
   * supervisor, drawdown stop, signal reversal). Absent means false (a hub older than the field).
   */
  paused: Type.Optional(Type.Boolean()),
});
export type AgentConfigWire = Static<typeof AgentConfigWire>;

/**
 * The settings a running session takes at once (`POST /config`); any other change waits for the
 * next `/start`. The one list: the hub's "applied live / needs a restart" answer, what it sends
 * to the agent and what the agent accepts all come from it.
 */
export const LIVE_CONFIG_FIELDS = ['name', 'tpPct', 'slPct', 'maxSessionLossPct', 'closeOnStop', 'paused'] as const;
export type LiveConfigField = (typeof LIVE_CONFIG_FIELDS)[number];

export function isLiveConfigField(field: string): field is LiveConfigField {
  return (LIVE_CONFIG_FIELDS as readonly string[]).includes(field);
}

/**
 * Body of `POST /config`: new values of live settings (at least one; other fields are refused:
 * a setting the agent cannot apply live must not count as applied).
 * A changed `tpPct` / `slPct` moves the open position's level from its entry price in `fixed`
 * TP/SL mode (other levels, e.g. a supervisor's adjustment, stay).
 */
export const LiveConfigPatch = Type.Partial(Type.Pick(AgentConfigWire, LIVE_CONFIG_FIELDS), {
  additionalProperties: false,
  minProperties: 1,
});
export type LiveConfigPatch = Static<typeof LiveConfigPatch>;
