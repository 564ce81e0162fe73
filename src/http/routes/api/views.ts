/**
 * The hub's plain views in the client API's shapes (src/shared/contract/api.ts): what the agent
 * list, the agent page, the profit figures and the control answers show. Pure mapping, no rules.
 */
import { toAgentConfigWire, type AgentView } from '../../../hub/agents/agent-view.js';
import type { ClosedTrade } from '../../../hub/analytics/analytics-service.js';
import type { TradeStats } from '../../../hub/analytics/trade-stats.js';
import type { UserView } from '../../../hub/users.js';
import { positionLevels } from '../../../shared/tp-sl-levels.js';
import type { ChartTrade } from '../../../hub/charts/chart-spec.js';
import type {
  AgentDetail,
  AgentListItem,
  AgentSettings,
  ApiUser,
  ChartTradeMarker,
  CloseFill,
  OrderResult,
  ProfitFigures,
} from '../../../shared/wire.js';

export function toApiUser(u: UserView): ApiUser {
  const { id, telegramId, displayName, username, status, isAdmin, timezone } = u;
  return { id, telegramId, displayName, username, status, isAdmin, timezone };
}

export function toListItem(a: AgentView): AgentListItem {
  return {
    id: a.id,
    shortId: a.shortId,
    name: a.name,
    symbol: a.symbol,
    timeframe: a.timeframe,
    status: a.status,
    statusReason: a.statusReason,
    mode: a.liveMode ? 'live' : 'paper',
    paused: a.paused,
    strategy: a.strategy,
    activeStrategy: a.activeStrategy,
    amountUsdt: a.amountUsdt,
    leverage: a.leverage,
    price: a.lastPrice,
    position: a.position,
    unrealizedPnl: a.unrealizedPnl,
    realizedPnl: a.realizedPnl,
    updatedAt: a.lastStatusAt ?? a.createdAt,
  };
}

/** The settings of the agent (its `AgentInput` fields): what its program gets, plus the hub's own. */
function settingsOf(a: AgentView): AgentSettings {
  const { agentId: _id, paused: _paused, ...wire } = toAgentConfigWire(a);
  // Stored only after validation: one of LLM_PROVIDERS or null.
  return { ...wire, llmProvider: a.llmProvider as AgentSettings['llmProvider'], llmDailyBudgetUsd: a.llmDailyBudgetUsd };
}

export function toDetail(a: AgentView): AgentDetail {
  return {
    ...toListItem(a),
    config: settingsOf(a),
    levels: positionLevels(a.position),
    lastAction: a.lastAction,
    startedAt: a.startedAt,
    createdAt: a.createdAt,
    restartCount: a.restartCount,
    llmTokens: a.llmTokens,
  };
}

const tradeRef = (t: ClosedTrade | null) => t && { id: t.id, agentName: t.agentName, pnl: t.pnl, closedAt: t.closedAt.toISOString() };

export function toProfitFigures(s: TradeStats<ClosedTrade>): ProfitFigures {
  return {
    ...s,
    profitFactor: s.profitFactor === Infinity ? 'infinity' : s.profitFactor,
    best: tradeRef(s.best),
    worst: tradeRef(s.worst),
  };
}

export function toTradeMarker(t: ChartTrade): ChartTradeMarker {
  const { side, entryPrice, exitPrice, pnl } = t;
  return { tradeId: t.tradeId!, side, openedAtMs: t.openedAt, entryPrice, closedAtMs: t.closedAt, exitPrice, pnl };
}

export function toCloseFill(r: OrderResult | null): CloseFill | null {
  return r && { tradeId: r.tradeId, price: r.price, qty: r.qty, pnl: r.pnl, fees: r.fees, replayed: r.replayed };
}
