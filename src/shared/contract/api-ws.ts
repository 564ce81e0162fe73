/**
 * Messages of the client WebSocket `GET /ws` (part of the client API, see ./api.ts).
 */
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { PositionWire } from './control.js';
import { IsoTime, Nullable, Uuid } from './primitives.js';
import { LogEntryWire } from './status.js';

// --- WebSocket (/ws) -------------------------------------------------------------------------

/**
 * Messages of `GET /ws?token=<token>` (server → client, JSON text frames `{type, data}`), only
 * about the token's user's agents. First `{type:"hello", data:{userId}}`; then hub events as they happen:
 *  - `agent.status`: every report of a running agent (`data.status` below);
 *  - `agent.log`: `data.entries` = new log lines (LogEntryWire[], oldest first);
 *  - `agent.starting` | `agent.started` | `agent.stopped` | `agent.failed` | `agent.crashed` |
 *    `agent.restarted` | `agent.deleted`: the record's status changed: refetch the agent;
 *  - `trade.opened` | `trade.closed`: a fill (refetch trades/equity);
 *  - `backtest.job`: a submitted backtest's state (`data.job`, as `GET /api/v1/backtests/:id/status`);
 *  - others (decisions, alerts) may be ignored.
 * Send the text `ping` for a `{type:"pong"}`. Close codes: 4401 bad/expired/revoked token,
 * 4403 account not active, 4408 client too slow, 4429 too many streams.
 */
export const WsAgentRef = Type.Object({ agentId: Uuid, ownerId: Uuid, agentName: Type.String() });

export const WsAgentStatusMessage = Type.Object({
  type: Type.Literal('agent.status'),
  data: Type.Object({
    ...WsAgentRef.properties,
    status: Type.Object({
      /** The agent program's state (not the record status): idle, running, stopping, stopped. */
      state: Type.String(),
      price: Nullable(Type.Number()),
      position: Nullable(PositionWire),
      unrealizedPnl: Type.Number(),
      realizedPnl: Type.Number(),
      strategy: Nullable(Type.String()),
      lastAction: Nullable(Type.String()),
      stale: Type.Boolean(),
      simulated: Type.Boolean(),
      ts: IsoTime,
    }),
  }),
});
export type WsAgentStatusMessage = Static<typeof WsAgentStatusMessage>;

export const WsAgentLogMessage = Type.Object({
  type: Type.Literal('agent.log'),
  data: Type.Object({ ...WsAgentRef.properties, entries: Type.Array(LogEntryWire) }),
});
export type WsAgentLogMessage = Static<typeof WsAgentLogMessage>;

/** Any message: `type` names it, `data` depends on it (see above). */
export const WsMessage = Type.Object({ type: Type.String(), data: Type.Optional(Type.Unknown()) });
export type WsMessage = Static<typeof WsMessage>;
