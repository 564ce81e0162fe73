/**
 * The agent ↔ hub wire contract (DESIGN §3), imported by both the hub and the agent bundle.
 * JSON bodies only. Money in quote currency (USDT), percentages in percent (2.5 = 2.5 %),
 * times as ISO-8601 strings unless a field says `Ms` (Unix epoch milliseconds).
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

export const AGENT_SCOPE = 'agent';
export const USER_SCOPE = 'user';

export type RiskProfile = 'conservative' | 'moderate' | 'aggressive';
export type TpSlMode = 'fixed' | 'dynamic';
export type PositionSide = 'long' | 'short';
export type WireLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What an agent needs to trade; it never contains secrets. */
export interface AgentConfigWire {
  agentId: string;
  name: string;
  /** Canonical symbol id, e.g. `BTCUSDT`. */
  symbol: string;
  amountUsdt: number;
  leverage: number;
  riskProfile: RiskProfile;
  /** Bar interval: 1m 5m 15m 30m 1h 4h 1d. */
  timeframe: string;
  tpPct: number | null;
  slPct: number | null;
  tpSlMode: TpSlMode;
  pollSeconds: number;
  supervisorIntervalSeconds: number;
  maxSessionLossPct: number;
  closeOnStop: boolean;
  llmProvider: string | null;
  llmModel: string | null;
  liveMode: boolean;
  /** Strategy name from the library; null lets the planner choose. */
  strategy: string | null;
}

/**
 * The settings a running session takes at once (`POST /config`); any other change waits for the
 * next `/start`. The one list: the hub's "applied live / needs a restart" answer, what it sends
 * to the agent and what the agent accepts all come from it.
 */
export const LIVE_CONFIG_FIELDS = ['name', 'tpPct', 'slPct', 'maxSessionLossPct', 'closeOnStop'] as const;
export type LiveConfigField = (typeof LIVE_CONFIG_FIELDS)[number];

export function isLiveConfigField(field: string): field is LiveConfigField {
  return (LIVE_CONFIG_FIELDS as readonly string[]).includes(field);
}

/**
 * Body of `POST /config`: new values of live settings (at least one; other fields are refused).
 * A changed `tpPct` / `slPct` moves the open position's level from its entry price in `fixed`
 * TP/SL mode (other levels, e.g. a supervisor's adjustment, stay).
 */
export type LiveConfigPatch = Partial<Pick<AgentConfigWire, LiveConfigField>>;

/** An open position as the hub's broker recorded it. */
export interface PositionWire {
  tradeId: string;
  side: PositionSide;
  /** Base units. */
  qty: number;
  entryPrice: number;
  leverage: number;
  margin: number;
  liquidationPrice: number | null;
  tpPrice: number | null;
  slPrice: number | null;
  openedAt: string;
}

export interface StartRequest {
  config: AgentConfigWire;
  /** The open position to resume, or null when flat. */
  position: PositionWire | null;
  /** Realised PnL so far (quote currency), for the session drawdown stop. */
  realizedPnl: number;
  /** First log `seq` to use, so seqs keep increasing across restarts. */
  nextLogSeq: number;
  hubUrl: string;
}

export interface StopRequest {
  /** Close the open position before stopping (defaults to the agent's `closeOnStop`). */
  closePosition?: boolean;
  reason?: string;
}

export type AgentState = 'idle' | 'running' | 'stopping' | 'stopped';

export interface AgentHealth {
  ok: true;
  agentId: string;
  state: AgentState;
  uptimeMs: number;
  version: string;
}

export interface AgentStatus {
  agentId: string;
  state: AgentState;
  price: number | null;
  position: PositionWire | null;
  unrealizedPnl: number;
  realizedPnl: number;
  strategy: string | null;
  lastAction: string | null;
  /** Market data flagged stale or simulated by the hub. */
  stale: boolean;
  simulated: boolean;
  ts: string;
}

/** Pushed every tick. `seq` orders pushes: the hub ignores one older than what it has. */
export interface StatusPush extends Omit<AgentStatus, 'agentId'> {
  seq: number;
}

export interface LogEntryWire {
  /** Per-agent, strictly increasing; (agent, seq) is unique in the hub's store. */
  seq: number;
  level: WireLogLevel;
  message: string;
  ts: string;
}

export interface LogBatch {
  entries: LogEntryWire[];
}

export interface LogBatchResult {
  stored: number;
  duplicates: number;
}

/** Limits the hub enforces on pushes (and the agent respects). */
export const WIRE_LIMITS = {
  maxLogEntriesPerBatch: 500,
  maxLogMessageChars: 4000,
  maxBodyBytes: 512 * 1024,
  /**
   * Longest strategy name anywhere: status pushes, decisions, the agent's config and the
   * database columns (`agents.strategy`, `agents.active_strategy`, `decisions.strategy`).
   */
  maxStrategyNameChars: 64,
} as const;

export interface OrderRequest {
  /** Unique per intended order; a retry with the same key never fills twice. */
  idempotencyKey: string;
  action: 'open' | 'close';
  /** For `open`. */
  side?: PositionSide;
  /** For `open`: margin to commit, quote currency; the hub applies leverage. */
  amountUsdt?: number;
  tpPrice?: number | null;
  slPrice?: number | null;
  /** Why (signal, TP hit, SL hit, liquidation, supervisor, drawdown stop, stop). */
  reason: string;
  /**
   * For `close`: the trade the agent means to close. When the hub has closed it already (it
   * liquidated the position), the answer is that close (`replayed: true`) instead of `no_position`.
   */
  tradeId?: string;
}

export interface OrderResult {
  tradeId: string;
  status: 'open' | 'closed';
  side: PositionSide;
  qty: number;
  price: number;
  fees: number;
  /** For closes: realised PnL of this trade, net of fees. */
  pnl: number | null;
  realizedPnl: number;
  position: PositionWire | null;
  live: boolean;
  /** True when this key had already been executed and the stored result is returned. */
  replayed: boolean;
  /** For a closed trade: why it closed (`tp`, `sl`, `liquidation` or the agent's words). */
  closeReason?: string | null;
}

/** The hub's answer to a status push. */
export interface StatusAck {
  accepted: true;
  /** The pushed position's trade when the hub has closed it meanwhile (it liquidated it). */
  closedTradeId?: string;
}

export interface DecisionPush {
  idempotencyKey: string;
  action: 'KEEP' | 'CLOSE' | 'ADJUST_TP_SL' | 'PLAN';
  strategy: string | null;
  /** 0..1 */
  confidence: number;
  reasoning: string;
  tpPrice?: number | null;
  slPrice?: number | null;
}

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmRequest {
  purpose: 'planner' | 'supervisor';
  messages: LlmMessage[];
  /** JSON schema the answer must follow (response_format json_schema). */
  jsonSchema?: Record<string, unknown>;
  maxTokens?: number;
}

export interface LlmResponse {
  provider: string;
  model: string;
  content: string;
  usage: { promptTokens: number; completionTokens: number };
}

export interface CandlesResponse {
  symbol: string;
  interval: string;
  candles: Array<{ openTime: number; open: number; high: number; low: number; close: number; volume: number }>;
  stale: boolean;
  /** Why the data is stale: the daily budget is spent, the queue would wait too long, or upstream failed. */
  staleReason?: 'budget' | 'deadline' | 'upstream';
  simulated: boolean;
  source: string;
}

export interface PriceResponse {
  symbol: string;
  price: number;
  stale: boolean;
  staleReason?: 'budget' | 'deadline' | 'upstream';
  simulated: boolean;
  source: string;
  /** When the price was observed, Unix ms. */
  at?: number;
}

/** `{error, message}`: every 4xx/5xx body of the hub and of the agent. */
export interface ErrorBody {
  error: string;
  message: string;
}
