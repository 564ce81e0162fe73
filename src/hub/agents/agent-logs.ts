/**
 * The door to the `log_entries` table: storing what agents push and what the hub writes in an
 * agent's name, reading it back (for /logs, /tail and the WebSocket catch-up), and pruning old
 * lines. An agent numbers its lines (seq); (agent, seq) is unique, so a line is stored once.
 */
import type { QueryResult } from '@mikro-orm/core';
import type { Orm } from '../../db/orm.js';
import { LOG_LEVELS, WIRE_LIMITS, type LogEntryWire, type WireLogLevel } from '../../shared/wire.js';

/** Levels at or above `min` (e.g. `warn` → warn, error). */
export function levelsFrom(min: WireLogLevel): WireLogLevel[] {
  return LOG_LEVELS.slice(LOG_LEVELS.indexOf(min));
}

export interface LogQuery {
  /** The newest `limit` lines (oldest first), optionally at or above a level. */
  recent(agentId: string, limit: number, minLevel?: WireLogLevel): Promise<LogEntryWire[]>;
  /** The newest `limit` lines with seq below `beforeSeq` (oldest first): the page before it. */
  before(agentId: string, beforeSeq: number, limit: number, minLevel?: WireLogLevel): Promise<LogEntryWire[]>;
  /** Lines with seq greater than `afterSeq`, oldest first, at most `limit`. */
  after(agentId: string, afterSeq: number, limit: number, minLevel?: WireLogLevel): Promise<LogEntryWire[]>;
  /**
   * Deletes at most `limit` lines stamped before `before`, oldest first; returns how many. Each
   * agent's newest line stays, so its next start still counts on from it (seq never repeats).
   */
  prune(before: Date, limit: number): Promise<number>;
}

type Row = { seq: string | number; level: WireLogLevel; message: string; ts: Date | string };
const toWire = (r: Row): LogEntryWire => ({ seq: Number(r.seq), level: r.level, message: r.message, ts: new Date(r.ts).toISOString() });

/** Agent ids given here must already be owner-checked (AgentDirectory.find). */
export function createLogQuery(orm: Orm): LogQuery {
  const conn = () => orm.em.getConnection();
  async function newestBelow(agentId: string, beforeSeq: number, limit: number, minLevel: WireLogLevel): Promise<LogEntryWire[]> {
    const rows: Row[] = await conn().execute(
      `select seq, level, message, ts from log_entries where agent_id = ? and seq < ? and level = any(string_to_array(?, ',')) order by seq desc limit ?`,
      [agentId, beforeSeq, levelsFrom(minLevel).join(','), Math.max(1, Math.min(limit, 1000))],
    );
    return rows.reverse().map(toWire);
  }
  return {
    recent: (agentId, limit, minLevel = 'debug') => newestBelow(agentId, Number.MAX_SAFE_INTEGER, limit, minLevel),
    before: (agentId, beforeSeq, limit, minLevel = 'debug') => newestBelow(agentId, beforeSeq, limit, minLevel),
    async after(agentId, afterSeq, limit, minLevel = 'debug') {
      const rows: Row[] = await conn().execute(
        `select seq, level, message, ts from log_entries where agent_id = ? and seq > ? and level = any(string_to_array(?, ',')) order by seq asc limit ?`,
        [agentId, afterSeq, levelsFrom(minLevel).join(','), Math.max(1, Math.min(limit, 1000))],
      );
      return rows.map(toWire);
    },
    async prune(before, limit) {
      const result = await conn().execute<QueryResult>(
        `delete from log_entries where id in (
           select l.id from log_entries l
           where l.ts < ? and l.seq < (select max(m.seq) from log_entries m where m.agent_id = l.agent_id)
           order by l.ts limit ?)`,
        [before, limit],
        'run',
      );
      return result.affectedRows;
    },
  };
}

/**
 * Stores a batch an agent pushed in one INSERT; lines already stored (same agent and seq: a
 * retried batch) are skipped. Returns the seqs stored now.
 */
export async function storeLogBatch(orm: Orm, agentId: string, entries: LogEntryWire[]): Promise<Set<number>> {
  const rows: Array<{ seq: string | number }> = await orm.em.getConnection().execute(
    `insert into log_entries (agent_id, seq, level, message, ts)
         select ?::uuid, v.seq, v.level, v.message, v.ts
         from jsonb_to_recordset(?::jsonb) as v(seq bigint, level text, message text, ts timestamptz)
         on conflict (agent_id, seq) do nothing
         returning seq`,
    [agentId, JSON.stringify(entries)],
  );
  return new Set(rows.map((r) => Number(r.seq)));
}

/** The seq the agent's next line takes: one past its newest stored line (1 for none). */
export async function nextLogSeq(orm: Orm, agentId: string): Promise<number> {
  const seq: Array<{ next: string | number }> = await orm.em
    .fork()
    .getConnection()
    .execute('select coalesce(max(seq), 0) + 1 as next from log_entries where agent_id = ?', [agentId]);
  return Number(seq[0].next);
}

/**
 * Appends an `error` line the hub writes in the agent's name, after its newest line (cut to the
 * wire's message limit). Only for an agent that is gone: nothing else writes to its log then.
 */
export async function appendHubErrorLine(orm: Orm, agentId: string, message: string): Promise<void> {
  await orm.em.getConnection().execute(
    `insert into log_entries (agent_id, seq, level, message, ts)
         select ?::uuid, coalesce(max(seq), 0) + 1, 'error', ?, now() from log_entries where agent_id = ?`,
    [agentId, message.slice(0, WIRE_LIMITS.maxLogMessageChars), agentId],
  );
}
