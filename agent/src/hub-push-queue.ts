/**
 * What the agent has to push to the hub and has not delivered yet: decisions, log entries
 * (hub-log-shipping.ts) and the newest status, delivered in that order by the pump
 * (hub-push-pump.ts). Each push carries its idempotency key (`seq` for logs and status,
 * `idempotencyKey` for decisions) so a retry never makes a second row.
 *
 * Bounds: status keeps only the newest; decisions at most `maxPendingDecisions` (oldest
 * dropped); logs as log shipping says. The hub answers a status push with a `StatusAck`; when it
 * names the pushed position's trade as closed by the hub (liquidated), `closedByHub()` says so
 * until the next answer.
 */
import type { DecisionPush, StatusAck, StatusPush, WireLogLevel } from '../../src/shared/wire.js';
import { createLogShipping, type LogShippingOptions } from './hub-log-shipping.js';
import type { PushFn } from './hub-request.js';

export interface PushQueueOptions extends Omit<LogShippingOptions, 'path'> {
  /** `/internal/agents/:id`. */
  agentPath: string;
  maxPendingDecisions: number;
}

export interface PushQueueStats {
  bufferedLogs: number;
  droppedLogs: number;
  pendingDecisions: number;
  droppedDecisions: number;
  statusPending: boolean;
  nextLogSeq: number;
}

export interface PushQueue {
  /** Queues a log entry; returns its `seq`. Messages are cut to the wire limit. */
  log(level: WireLogLevel, message: string, ts?: string): number;
  /** Replaces the pending status with this one (seq: at least the clock, always increasing). */
  status(status: Omit<StatusPush, 'seq'>): void;
  decision(decision: DecisionPush): void;
  closedByHub(): string | null;
  hasWork(): boolean;
  /** When the next send is due (epoch ms), ignoring backoff; Infinity when idle. `flushing` sends logs at once. */
  dueAt(now: number, flushing: boolean): number;
  /** Sends what is queued, in order, until done or a push must be retried later. */
  sendQueued(push: PushFn, isClosed: () => boolean): Promise<void>;
  stats(): PushQueueStats;
}

const MAX_DECISION_REASONING_CHARS = 4000;

export function createPushQueue(opts: PushQueueOptions): PushQueue {
  const { clock, agentPath } = opts;
  const logs = createLogShipping({ ...opts, path: `${agentPath}/logs` });
  const decisions: DecisionPush[] = [];
  let droppedDecisions = 0;
  let pendingStatus: StatusPush | null = null;
  let statusSeq = 0;
  let closedTradeId: string | null = null;

  async function sendDecisions(push: PushFn, isClosed: () => boolean): Promise<boolean> {
    while (decisions.length > 0 && !isClosed()) {
      const d = decisions[0];
      if ((await push(`${agentPath}/decisions`, d, `decision ${d.idempotencyKey}`)) === 'retry') return false;
      if (decisions[0] === d) decisions.shift();
    }
    return true;
  }

  async function sendStatus(push: PushFn, isClosed: () => boolean): Promise<void> {
    const status = pendingStatus;
    if (!status || isClosed()) return;
    const outcome = await push(`${agentPath}/status`, status, `status ${status.seq}`, (answer) => {
      const closed = (answer as Partial<StatusAck> | undefined)?.closedTradeId;
      closedTradeId = typeof closed === 'string' ? closed : null;
    });
    if (outcome === 'retry') return;
    if (pendingStatus === status) pendingStatus = null;
  }

  return {
    log: (level, message, ts) => logs.log(level, message, ts),

    status(status) {
      statusSeq = Math.max(statusSeq + 1, clock.now());
      pendingStatus = { ...status, seq: statusSeq };
    },

    decision(decision) {
      const reasoning =
        decision.reasoning.length > MAX_DECISION_REASONING_CHARS
          ? decision.reasoning.slice(0, MAX_DECISION_REASONING_CHARS - 1) + '…'
          : decision.reasoning;
      decisions.push({ ...decision, reasoning });
      while (decisions.length > opts.maxPendingDecisions) {
        decisions.shift();
        droppedDecisions++;
      }
    },

    closedByHub: () => closedTradeId,

    hasWork: () => pendingStatus !== null || decisions.length > 0 || logs.hasWork(),

    dueAt(now, flushing) {
      if (pendingStatus || decisions.length > 0) return now;
      return logs.dueAt(now, flushing);
    },

    async sendQueued(push, isClosed) {
      if (!(await sendDecisions(push, isClosed))) return;
      if (!(await logs.send(push, isClosed))) return;
      await sendStatus(push, isClosed);
    },

    stats() {
      const { bufferedLogs, droppedLogs, nextLogSeq } = logs.stats();
      return {
        bufferedLogs,
        droppedLogs,
        pendingDecisions: decisions.length,
        droppedDecisions,
        statusPending: pendingStatus !== null,
        nextLogSeq,
      };
    },
  };
}
