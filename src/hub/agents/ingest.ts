/**
 * What agents push: status every tick and batches of log lines.
 *
 * Status is the agent's latest view (price, unrealised PnL, strategy, last action): events go out
 * at once, and the database row is written by a flusher that keeps only the newest status per
 * agent (one UPDATE per second for all agents instead of one per push). Open positions and
 * realised PnL are not taken from status pushes: the broker owns them. When the database refuses
 * the batch (one row it cannot store), every row is retried on its own, so one bad row costs only
 * its own agent's update.
 * Logs are durable: one INSERT per batch, deduplicated on (agent, seq), so a retried batch never
 * stores a line twice.
 */
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import type { LogBatchResult, LogEntryWire, StatusPush } from '../../shared/wire.js';
import type { HubEvents } from '../events.js';
import type { AgentRef } from './agent-directory.js';
import { storeLogBatch } from './agent-logs.js';
import { writeStatusRows, type StatusRow } from './agent-store.js';

export interface AgentIngest {
  status(agentId: string, ref: AgentRef, push: StatusPush): void;
  logs(agentId: string, ref: AgentRef, entries: LogEntryWire[]): Promise<LogBatchResult>;
  /** Writes pending statuses now (shutdown, tests). */
  flush(): Promise<void>;
  /** Drops what is kept in memory for the agent (it was deleted). */
  forget(agentId: string): void;
  /** Agents with state in memory (tests, metrics). */
  readonly trackedAgents: number;
  close(): Promise<void>;
}

export function createAgentIngest({
  orm,
  events,
  logger,
  flushIntervalMs = 1000,
}: {
  orm: Orm;
  events: HubEvents;
  logger: Logger;
  flushIntervalMs?: number;
}): AgentIngest {
  const pending = new Map<string, StatusPush>();
  const lastSeq = new Map<string, number>();
  let flushing: Promise<void> | undefined;

  const writeRows = (rows: StatusRow[]) => writeStatusRows(orm, rows);

  async function writeStatuses(): Promise<void> {
    if (pending.size === 0) return;
    const batch = [...pending.entries()];
    pending.clear();
    const rows: StatusRow[] = batch.map(([id, st]) => ({
      id,
      price: st.price,
      upnl: st.unrealizedPnl,
      strategy: st.strategy,
      action: st.lastAction === null ? null : st.lastAction.slice(0, 256),
      ts: st.ts,
    }));
    const dropped = (row: StatusRow) => (e: unknown) =>
      logger.warn({ err: e, agentId: row.id }, 'status row refused by the database; dropped');
    if (rows.length === 1) return writeRows(rows).catch(dropped(rows[0]));
    try {
      await writeRows(rows);
    } catch {
      // Find the culprit(s): each row alone, so the others still land.
      for (const row of rows) await writeRows([row]).catch(dropped(row));
    }
  }

  const timer = setInterval(() => {
    flushing ??= writeStatuses()
      .catch((e) => logger.warn({ err: e }, 'status flush failed'))
      .finally(() => (flushing = undefined));
  }, flushIntervalMs);
  timer.unref();

  return {
    status(agentId, ref, push) {
      const seen = lastSeq.get(agentId);
      if (seen !== undefined && push.seq <= seen) return; // an older push arriving late
      lastSeq.set(agentId, push.seq);
      pending.set(agentId, push);
      const { seq: _seq, ...status } = push;
      events.emit('agent.status', { agentId, ownerId: ref.ownerId, agentName: ref.name, status });
    },

    async logs(agentId, ref, entries) {
      if (entries.length === 0) return { stored: 0, duplicates: 0 };
      const stored = await storeLogBatch(orm, agentId, entries);
      const fresh = entries.filter((e) => stored.has(e.seq));
      if (fresh.length) events.emit('agent.log', { agentId, ownerId: ref.ownerId, agentName: ref.name, entries: fresh });
      return { stored: fresh.length, duplicates: entries.length - fresh.length };
    },

    async flush() {
      await flushing;
      await writeStatuses();
    },

    forget(agentId) {
      pending.delete(agentId);
      lastSeq.delete(agentId);
    },

    get trackedAgents() {
      return lastSeq.size;
    },

    async close() {
      clearInterval(timer);
      await this.flush().catch((e) => logger.warn({ err: e }, 'final status flush failed'));
    },
  };
}
