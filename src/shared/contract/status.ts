/**
 * Agent → hub pushes: `POST /internal/agents/:id/status` (StatusPush → 202 StatusAck, every
 * tick) and `POST /internal/agents/:id/logs` (LogBatch → LogBatchResult). The hub refuses
 * unknown fields, wrong types and oversized bodies with a 4xx `ErrorBody`.
 * See docs/architecture.md.
 */
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { PositionWire, sessionStatusFields } from './control.js';
import { IsoTime, Nullable, OneOf, WIRE_LIMITS } from './primitives.js';

/** The pushed position, as strict as the rest of a push (no unknown fields). */
const PushedPosition = Type.Object(PositionWire.properties, { additionalProperties: false });

/** Pushed every tick. `seq` orders pushes: the hub ignores one older than what it has. */
export const StatusPush = Type.Object(
  { seq: Type.Integer({ minimum: 0 }), ...sessionStatusFields, position: Nullable(PushedPosition) },
  { additionalProperties: false },
);
export type StatusPush = Static<typeof StatusPush>;

/** The hub's answer to a status push. */
export const StatusAck = Type.Object({
  accepted: Type.Literal(true),
  /** The pushed position's trade when the hub has closed it meanwhile (it liquidated it). */
  closedTradeId: Type.Optional(Type.String()),
});
export type StatusAck = Static<typeof StatusAck>;

/** Severity order, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const WireLogLevel = OneOf(LOG_LEVELS);
export type WireLogLevel = Static<typeof WireLogLevel>;

export const LogEntryWire = Type.Object(
  {
    /** Per-agent, strictly increasing; (agent, seq) is unique in the hub's store. */
    seq: Type.Integer({ minimum: 1 }),
    level: WireLogLevel,
    message: Type.String({ maxLength: WIRE_LIMITS.maxLogMessageChars }),
    ts: IsoTime,
  },
  { additionalProperties: false },
);
export type LogEntryWire = Static<typeof LogEntryWire>;

export const LogBatch = Type.Object(
  { entries: Type.Array(LogEntryWire, { maxItems: WIRE_LIMITS.maxLogEntriesPerBatch }) },
  { additionalProperties: false },
);
export type LogBatch = Static<typeof LogBatch>;

export const LogBatchResult = Type.Object({ stored: Type.Integer(), duplicates: Type.Integer() });
export type LogBatchResult = Static<typeof LogBatchResult>;
