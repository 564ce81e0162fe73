/**
 * The client API under `/api/v1` (the Mini App dashboard and scripts alike) and its WebSocket
 * messages: request and answer schemas, from which the Fastify routes validate, the OpenAPI
 * document (`GET /api/v1/openapi.json`) is generated and the browser's types come.
 *
 * Units: money in quote currency (USDT), prices in quote currency per base unit, quantities in
 * base units, percentages in percent (2.5 = 2.5 %) unless a field says fraction, times ISO-8601
 * strings unless a field says `Ms` or `at` (Unix epoch milliseconds). Errors are `ErrorBody`
 * `{error, message}`: 400 bad input, 401 no/bad/expired/revoked token or refused `initData`,
 * 403 account pending or denied (`error` = `account_pending` | `account_denied`), 404 not found
 * (another user's agent too), 409 not possible in the agent's state, 429 over a quota.
 *
 * Auth: `POST /api/v1/session` exchanges a Telegram Mini App `initData` (or a one-time login
 * code from the bot's /dashboard) for a session token; every other route takes
 * `Authorization: Bearer <token>` (a session token, or a user token from the bot's /token).
 *
 *   POST /api/v1/session                  SessionRequest → SessionResponse (no bearer)
 *   GET  /api/v1/me                       → ApiUser
 *   GET  /api/v1/create-options           → CreateOptions
 *   GET  /api/v1/agents                   → AgentList
 *   POST /api/v1/agents                   CreateAgentRequest → 201 CreateAgentResponse
 *   GET  /api/v1/agents/:id               → AgentDetail
 *   GET  /api/v1/agents/:id/trades        ?page&pageSize → TradesPage
 *   GET  /api/v1/agents/:id/candles       ?interval&limit → AgentCandles
 *   GET  /api/v1/agents/:id/equity        → EquityCurve
 *   GET  /api/v1/agents/:id/profit        → ProfitFigures (this agent)
 *   GET  /api/v1/profit                   → ProfitFigures (all the caller's agents)
 *   GET  /api/v1/agents/:id/logs          ?level&limit&beforeSeq&afterSeq → LogsPage
 *   POST /api/v1/agents/:id/start|stop|force-exit|pause|resume   → ControlResponse
 *   GET|POST /api/v1/backtests…          backtests: list, submit, status, result, cancel (./api-backtests.ts)
 *   GET  /ws?token=<token>                WsMessage stream (./api-ws.ts)
 * The read-only data of an agent (trades, candles, equity, profit, logs): ./api-data.ts.
 *
 * The dashboard page is `/app`. The bot links to one agent as `/app?agent=<agent id>` (query
 * string: Telegram puts its own launch data in the URL fragment), and /dashboard's login links
 * for plain browsers are `/app#login=<code>` (fragment: never sent to a server or a log).
 * POST bodies are JSON (`{}` when a route takes no field).
 */
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { AgentSettings, LlmProviderName } from './agent-input.js';
import { PositionWire } from './control.js';
import { Interval, IsoTime, Nullable, OneOf, Uuid } from './primitives.js';

export const API_PREFIX = '/api/v1';

// --- Session ---------------------------------------------------------------------------------

/** Longest `initData` / login code the hub reads (Telegram's initData is well under 4 KiB). */
export const SESSION_LIMITS = { maxInitDataChars: 8192, maxLoginCodeChars: 128 } as const;

/**
 * Exactly one of: `initData` (the raw `Telegram.WebApp.initData` query string, unaltered) or
 * `loginCode` (the code after `#login=` in the link /dashboard sends). Each is accepted once.
 */
export const SessionRequest = Type.Object(
  {
    initData: Type.Optional(Type.String({ minLength: 1, maxLength: SESSION_LIMITS.maxInitDataChars })),
    loginCode: Type.Optional(Type.String({ minLength: 1, maxLength: SESSION_LIMITS.maxLoginCodeChars })),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1 },
);
export type SessionRequest = Static<typeof SessionRequest>;

export const USER_STATUSES = ['active', 'pending', 'denied'] as const;

/** The caller. */
export const ApiUser = Type.Object({
  id: Uuid,
  telegramId: Type.Integer(),
  displayName: Type.String(),
  username: Nullable(Type.String()),
  status: OneOf(USER_STATUSES),
  isAdmin: Type.Boolean(),
  /** IANA time zone the user chose with /timezone; null: UTC. */
  timezone: Nullable(Type.String()),
});
export type ApiUser = Static<typeof ApiUser>;

export const SessionResponse = Type.Object({
  /** Bearer token for `/api/v1/*` and `/ws` (`?token=`); revoked with the user's other tokens (/token revoke). */
  token: Type.String(),
  /** When the token stops working (ISO-8601): exchange a fresh initData or login code then. */
  expiresAt: IsoTime,
  user: ApiUser,
});
export type SessionResponse = Static<typeof SessionResponse>;

/** `error` of a 403 for an account that may not use the server (the body's `message` says what to do). */
export const ACCOUNT_REFUSALS = ['account_pending', 'account_denied', 'account_unknown'] as const;

// --- Agents ----------------------------------------------------------------------------------

/** An agent's record status: created (never started), starting, running, stopping, stopped, failed. */
export const AGENT_STATUSES = ['created', 'starting', 'running', 'stopping', 'stopped', 'failed'] as const;
export const AgentRecordStatus = OneOf(AGENT_STATUSES);
export type AgentRecordStatus = Static<typeof AgentRecordStatus>;

export const TRADING_MODES = ['paper', 'live'] as const;

/** `:id` of `/api/v1/agents/:id…`: a full agent id (a UUID). */
export const ApiAgentParams = Type.Object({ id: Uuid });

/** One agent in the list (and the live fields `agent.status` messages update). */
export const AgentListItem = Type.Object({
  id: Uuid,
  /** First 8 characters of the id: what the chat's commands take. */
  shortId: Type.String(),
  name: Type.String(),
  /** Canonical symbol id, e.g. BTCUSDT. */
  symbol: Type.String(),
  timeframe: Interval,
  status: AgentRecordStatus,
  /** Why it stopped or failed, in words; null otherwise. */
  statusReason: Nullable(Type.String()),
  /** paper: simulated fills; live: real orders on HashKey. */
  mode: OneOf(TRADING_MODES),
  /** The owner paused entries: no new position; an open one stays managed. */
  paused: Type.Boolean(),
  /** Strategy the agent is set to; null: the planner chooses. */
  strategy: Nullable(Type.String()),
  /** Strategy the running agent reported last; null before its first report. */
  activeStrategy: Nullable(Type.String()),
  /** Capital, USDT. */
  amountUsdt: Type.Number(),
  leverage: Type.Number(),
  /** Last price the agent reported (quote currency); null before its first report. */
  price: Nullable(Type.Number()),
  /** The open position (qty in base units, prices in quote currency, margin in USDT); null when flat. */
  position: Nullable(PositionWire),
  /** Of the open position at `price`, USDT; 0 when flat. */
  unrealizedPnl: Type.Number(),
  /** Realised PnL of all its closed trades, USDT, net of fees. */
  realizedPnl: Type.Number(),
  /** Last status report of the agent, else its creation (ISO-8601). */
  updatedAt: IsoTime,
});
export type AgentListItem = Static<typeof AgentListItem>;

export const AgentList = Type.Object({ agents: Type.Array(AgentListItem) });
export type AgentList = Static<typeof AgentList>;

export const LEVEL_KINDS = ['entry', 'tp', 'sl', 'liquidation'] as const;

/** A horizontal line on the chart: the open position's entry, take-profit, stop-loss or liquidation price. */
export const PriceLevel = Type.Object({ kind: OneOf(LEVEL_KINDS), price: Type.Number() });
export type PriceLevel = Static<typeof PriceLevel>;

export const AgentDetail = Type.Object({
  ...AgentListItem.properties,
  /** Every setting (what /create asked and /edit changes). */
  config: AgentSettings,
  /** The open position's levels (none when flat). */
  levels: Type.Array(PriceLevel),
  /** What the agent did last, in words; null before its first report. */
  lastAction: Nullable(Type.String()),
  /** ISO-8601; null when never started. */
  startedAt: Nullable(IsoTime),
  createdAt: IsoTime,
  /** Automatic restarts after crashes in the current session. */
  restartCount: Type.Integer(),
  /** Tokens its LLM calls used, all time. */
  llmTokens: Type.Integer(),
});
export type AgentDetail = Static<typeof AgentDetail>;

export const CreateAgentResponse = Type.Object({
  agent: AgentDetail,
  /** True when the agent was asked to start and is running. */
  started: Type.Boolean(),
  /** Why the start failed, in words (the agent is saved; start it later); null otherwise. */
  startError: Nullable(Type.String()),
});
export type CreateAgentResponse = Static<typeof CreateAgentResponse>;

/** What the new-agent form needs to offer only what this user and server allow. */
export const CreateOptions = Type.Object({
  /** Canonical symbol ids the server's market data serves; popular ones first. */
  symbols: Type.Array(Type.String()),
  /** MAX_LEVERAGE of this server. */
  maxLeverage: Type.Integer(),
  /** Providers with a key available to the user (their own or the server's). */
  llmProviders: Type.Array(LlmProviderName),
  /** The user has HashKey keys for live trading. */
  liveAvailable: Type.Boolean(),
  /** Defaults of every optional setting (`AGENT_DEFAULTS`). */
  defaults: Type.Omit(AgentSettings, ['name', 'symbol', 'amountUsdt']),
});
export type CreateOptions = Static<typeof CreateOptions>;

// --- Control ---------------------------------------------------------------------------------

export const CONTROL_ACTIONS = ['start', 'stop', 'force-exit', 'pause', 'resume'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

/** `POST /api/v1/agents/:id/stop`. */
export const StopAgentRequest = Type.Object(
  {
    /** Close the open position as the agent stops; default: the agent's closeOnStop setting. */
    closePosition: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type StopAgentRequest = Static<typeof StopAgentRequest>;

/**
 * `POST /api/v1/agents/:id/force-exit`: closes the position the user was shown (`tradeId`,
 * `position.tradeId` of the agent) at the market now; never a position opened since.
 */
export const ForceExitRequest = Type.Object({ tradeId: Uuid }, { additionalProperties: false });
export type ForceExitRequest = Static<typeof ForceExitRequest>;

/** A close the action made (or found made already). */
export const CloseFill = Type.Object({
  tradeId: Type.String(),
  /** Fill price, quote currency. */
  price: Type.Number(),
  /** Base units. */
  qty: Type.Number(),
  /** USDT, net of fees. */
  pnl: Nullable(Type.Number()),
  fees: Type.Number(),
  /** True when this close was made before (by the agent, a liquidation or an earlier tap): nothing more was closed. */
  replayed: Type.Boolean(),
});
export type CloseFill = Static<typeof CloseFill>;

export const ControlResponse = Type.Object({
  /** The agent after the action. */
  agent: AgentDetail,
  /** Force exit (and a stop with closing): the close; null when nothing was closed. */
  closed: Nullable(CloseFill),
  /** What happened, in words (the chat's wording): e.g. "paused: it opens no new position". */
  message: Type.String(),
});
export type ControlResponse = Static<typeof ControlResponse>;
