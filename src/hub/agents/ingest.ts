/**
 * What agents push: status every tick and batches of log lines.
 *
 * Status is the agent's latest view (price, unrealised PnL, strategy, last action): events go out
 * at once, and the database row is written by a flusher that keeps only the newest status per
 * agent (one UPDATE per second for all agents instead of one per push). Open positions and
 * realised PnL are not taken from status pushes: the broker owns them.
 * Logs are durable: one INSERT per batch, deduplicated on (agent, seq), so a retried batch never
 * stores a line twice.
 */
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import type { LogBatchResult, LogEntryWire, StatusPush } from '../../shared/wire.js';
import type { HubEvents } from '../events.js';
import type { AgentRef } from './agent-directory.js';

export interface AgentIngest {
  status(agentId: string, ref: AgentRef, push: StatusPush): void;
  logs(agentId: string, ref: AgentRef, entries: LogEntryWire[]): Promise<LogBatchResult>;
  /** Writes pending statuses now (shutdown, tests). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createAgentIngest({ orm, events, logger, flushIntervalMs = 1000 }: { orm: Orm; events: HubEvents; logger: Logger; flushIntervalMs?: number }): AgentIngest {
  const pending = new Map<string, StatusPush>();
  const lastSeq = new Map<string, number>();
  let flushing: Promise<void> | undefined;

  async function writeStatuses(): Promise<void> {
    if (pending.size === 0) return;
    const batch = [...pending.entries()];
    pending.clear();
    // One statement for all agents; rows travel as one JSON parameter (the driver would expand arrays).
    const rows = batch.map(([id, st]) => ({
      id,
      price: st.price,
      upnl: st.unrealizedPnl,
      strategy: st.strategy,
      action: st.lastAction === null ? null : st.lastAction.slice(0, 256),
      ts: st.ts,
    }));
    await orm.em.getConnection().execute(
      `update agents a set last_price = v.price, unrealized_pnl = v.upnl, active_strategy = coalesce(v.strategy, a.active_strategy),
         last_action = coalesce(v.action, a.last_action), last_status_at = v.ts
       from jsonb_to_recordset(?::jsonb) as v(id uuid, price float8, upnl float8, strategy text, action text, ts timestamptz)
       where a.id = v.id`,
      [JSON.stringify(rows)],
    );
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
      const rows: Array<{ seq: string | number }> = await orm.em.getConnection().execute(
        `insert into log_entries (agent_id, seq, level, message, ts)
         select ?::uuid, v.seq, v.level, v.message, v.ts
         from jsonb_to_recordset(?::jsonb) as v(seq bigint, level text, message text, ts timestamptz)
         on conflict (agent_id, seq) do nothing
         returning seq`,
        [agentId, JSON.stringify(entries)],
      );
      const stored = new Set(rows.map((r) => Number(r.seq)));
      const fresh = entries.filter((e) => stored.has(e.seq));
      if (fresh.length) events.emit('agent.log', { agentId, ownerId: ref.ownerId, agentName: ref.name, entries: fresh });
      return { stored: fresh.length, duplicates: entries.length - fresh.length };
    },

    async flush() {
      await flushing;
      await writeStatuses();
    },

    async close() {
      clearInterval(timer);
      await this.flush().catch((e) => logger.warn({ err: e }, 'final status flush failed'));
    },
  };
}
