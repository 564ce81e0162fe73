/** Reading an agent's stored log lines (for /logs, /tail and the WebSocket catch-up), and pruning old ones. */
import type { QueryResult } from '@mikro-orm/core';
import type { Orm } from '../../db/orm.js';
import { LOG_LEVELS, type LogEntryWire, type WireLogLevel } from '../../shared/wire.js';

/** Levels at or above `min` (e.g. `warn` → warn, error). */
export function levelsFrom(min: WireLogLevel): WireLogLevel[] {
  return LOG_LEVELS.slice(LOG_LEVELS.indexOf(min));
}

export interface LogQuery {
  /** The newest `limit` lines (oldest first), optionally at or above a level. */
  recent(agentId: string, limit: number, minLevel?: WireLogLevel): Promise<LogEntryWire[]>;
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
  return {
    async recent(agentId, limit, minLevel = 'debug') {
      const rows: Row[] = await conn().execute(
        `select seq, level, message, ts from log_entries where agent_id = ? and level = any(string_to_array(?, ',')) order by seq desc limit ?`,
        [agentId, levelsFrom(minLevel).join(','), Math.max(1, Math.min(limit, 1000))],
      );
      return rows.reverse().map(toWire);
    },
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
