/** The plain-JSON shape of an agent that adapters (bot, WebSocket) show; never an ORM entity. */
import type { Agent } from '../../db/entities/index.js';
import type { AgentConfigWire } from '../../shared/wire.js';
import type { AgentInput } from './agent-input.js';
import type { AgentStatus as DbAgentStatus, OpenPosition } from '../../db/entities/agent.js';

export interface AgentView extends AgentInput {
  id: string;
  /** First 8 characters of the id; what users type. */
  shortId: string;
  ownerId: string;
  status: DbAgentStatus;
  statusReason: string | null;
  runtime: string | null;
  port: number | null;
  position: OpenPosition | null;
  lastPrice: number | null;
  unrealizedPnl: number;
  realizedPnl: number;
  lastAction: string | null;
  activeStrategy: string | null;
  lastStatusAt: string | null;
  startedAt: string | null;
  restartCount: number;
  /** Paused by the owner: no new entries; an open position stays managed. */
  paused: boolean;
  llmTokens: number;
  createdAt: string;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** The owner's id, whether the row's `owner` is a loaded reference or a bare key. */
export function ownerIdOf(a: Agent): string {
  return typeof a.owner === 'object' ? (a.owner as { id: string }).id : String(a.owner);
}

/** Who an agent event is about. */
export interface EventRef {
  agentId: string;
  ownerId: string;
  agentName: string;
}

export function eventRefOf(a: Agent): EventRef {
  return { agentId: a.id, ownerId: ownerIdOf(a), agentName: a.name };
}

export function toAgentView(a: Agent): AgentView {
  return {
    id: a.id,
    shortId: a.id.slice(0, 8),
    ownerId: ownerIdOf(a),
    name: a.name,
    symbol: a.symbol,
    amountUsdt: a.amountUsdt,
    leverage: a.leverage,
    riskProfile: a.riskProfile,
    // Stored only after validation (agent-input.ts): one of INTERVALS.
    timeframe: a.timeframe as AgentView['timeframe'],
    tpPct: a.tpPct ?? null,
    slPct: a.slPct ?? null,
    tpSlMode: a.tpSlMode,
    pollSeconds: a.pollSeconds,
    supervisorIntervalSeconds: a.supervisorIntervalSeconds,
    maxSessionLossPct: a.maxSessionLossPct,
    closeOnStop: a.closeOnStop,
    llmProvider: a.llmProvider ?? null,
    llmModel: a.llmModel ?? null,
    liveMode: a.liveMode,
    strategy: a.strategy ?? null,
    status: a.status,
    statusReason: a.statusReason ?? null,
    runtime: a.runtime ?? null,
    port: a.port ?? null,
    position: a.position ?? null,
    lastPrice: a.lastPrice ?? null,
    unrealizedPnl: a.unrealizedPnl,
    realizedPnl: a.realizedPnl,
    lastAction: a.lastAction ?? null,
    activeStrategy: a.activeStrategy ?? null,
    lastStatusAt: iso(a.lastStatusAt),
    startedAt: iso(a.startedAt),
    restartCount: a.restartCount,
    paused: a.paused,
    llmTokens: Number(a.llmPromptTokens) + Number(a.llmCompletionTokens),
    createdAt: a.createdAt.toISOString(),
  };
}

/** The part of an agent the agent program receives in /start (never secrets). */
export function toAgentConfigWire(v: AgentView): AgentConfigWire {
  const {
    name,
    symbol,
    amountUsdt,
    leverage,
    riskProfile,
    timeframe,
    tpPct,
    slPct,
    tpSlMode,
    pollSeconds,
    supervisorIntervalSeconds,
    maxSessionLossPct,
    closeOnStop,
    llmProvider,
    llmModel,
    liveMode,
    strategy,
    paused,
  } = v;
  return {
    agentId: v.id,
    name,
    symbol,
    amountUsdt,
    leverage,
    riskProfile,
    timeframe,
    tpPct,
    slPct,
    tpSlMode,
    pollSeconds,
    supervisorIntervalSeconds,
    maxSessionLossPct,
    closeOnStop,
    llmProvider,
    llmModel,
    liveMode,
    strategy,
    paused,
  };
}
