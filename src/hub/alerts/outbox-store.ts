/**
 * The persisted side of the outbound bot-message queue (table outbound_messages): messages are
 * written here before any attempt to send them, so a hub restart or a Telegram outage loses
 * none. Plain SQL on purpose: the queue inserts in batches and marks rows by id, and never needs
 * entities.
 */
import type { QueryResult } from '@mikro-orm/core';
import type { Orm } from '../../db/orm.js';
import { OUTBOX_CHANNEL } from '../cluster/channels.js';
import type { AlertButton } from './alert-router.js';

export interface NewOutboundMessage {
  chatId: number;
  /** Alert type or another short tag (≤ 48 chars), e.g. `trade.opened`, `notice`. */
  eventType: string;
  /** Telegram HTML, already escaped. */
  text: string;
  /** Sent with `disable_notification`. */
  silent: boolean;
  /** Inline buttons under the message (absent: none). */
  buttons?: AlertButton[];
  /** When the message was queued (the queue's clock). */
  createdAt: Date;
}

export interface StoredOutboundMessage extends NewOutboundMessage {
  id: number;
  attempts: number;
}

export interface OutboxStore {
  /** Inserts the messages in one statement; returns their ids in order. */
  addMany(messages: readonly NewOutboundMessage[]): Promise<number[]>;
  /** Pending messages, oldest first. */
  pending(limit?: number): Promise<StoredOutboundMessage[]>;
  markSent(ids: readonly number[], sentAt: Date): Promise<void>;
  /** Gives up on the messages (e.g. the bot was blocked). */
  markFailed(ids: readonly number[]): Promise<void>;
  /** Counts one more failed attempt; the messages stay pending. */
  countAttempt(ids: readonly number[]): Promise<void>;
  /** Rows per status (operators and tests). */
  counts(): Promise<Record<'pending' | 'sent' | 'failed', number>>;
  /** Deletes at most `limit` sent or failed messages queued before `before`, oldest first (pending ones never); returns how many. */
  prune(before: Date, limit: number): Promise<number>;
}

type Row = {
  id: string | number;
  chat_id: string | number;
  event_type: string;
  text: string;
  silent: boolean;
  buttons: AlertButton[] | string | null;
  attempts: number;
  created_at: Date | string;
};

/** jsonb comes back parsed from pg, but as text from some drivers' paths: accept both. */
function buttonsOf(value: Row['buttons']): AlertButton[] | undefined {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as AlertButton[]) : value;
  return parsed && parsed.length ? parsed : undefined;
}

export function createOutboxStore({ orm }: { orm: Orm }): OutboxStore {
  const conn = () => orm.em.getConnection();
  const idList = (ids: readonly number[]) => `{${ids.map((id) => Math.trunc(id)).join(',')}}`;
  return {
    async addMany(messages) {
      if (messages.length === 0) return [];
      const values: unknown[] = [];
      const tuples = messages.map((m) => {
        values.push(
          m.chatId,
          m.eventType.slice(0, 48),
          m.text,
          m.silent,
          m.buttons?.length ? JSON.stringify(m.buttons) : null,
          m.createdAt,
        );
        return `(?, ?, ?, ?, ?::jsonb, 'pending', 0, ?)`;
      });
      const rows: Array<{ id: string | number }> = await conn().execute(
        `insert into outbound_messages (chat_id, event_type, text, silent, buttons, status, attempts, created_at) values ${tuples.join(', ')} returning id`,
        values,
      );
      // The leader (maybe another replica) loads them at once rather than at its next poll.
      await conn().execute(`select pg_notify('${OUTBOX_CHANNEL}', '')`);
      return rows.map((r) => Number(r.id));
    },
    async pending(limit = 100_000) {
      const rows: Row[] = await conn().execute(
        `select id, chat_id, event_type, text, silent, buttons, attempts, created_at from outbound_messages where status = 'pending' order by id asc limit ?`,
        [limit],
      );
      return rows.map((r) => {
        const buttons = buttonsOf(r.buttons);
        return {
          id: Number(r.id),
          chatId: Number(r.chat_id),
          eventType: r.event_type,
          text: r.text,
          silent: r.silent,
          ...(buttons ? { buttons } : {}),
          attempts: r.attempts,
          createdAt: new Date(r.created_at),
        };
      });
    },
    async markSent(ids, sentAt) {
      if (ids.length === 0) return;
      await conn().execute(
        `update outbound_messages set status = 'sent', sent_at = ?, attempts = attempts + 1 where id = any(?::bigint[])`,
        [sentAt, idList(ids)],
      );
    },
    async markFailed(ids) {
      if (ids.length === 0) return;
      await conn().execute(`update outbound_messages set status = 'failed', attempts = attempts + 1 where id = any(?::bigint[])`, [
        idList(ids),
      ]);
    },
    async countAttempt(ids) {
      if (ids.length === 0) return;
      await conn().execute(`update outbound_messages set attempts = attempts + 1 where id = any(?::bigint[])`, [idList(ids)]);
    },
    async counts() {
      const rows: Array<{ status: string; n: string | number }> = await conn().execute(
        `select status, count(*) as n from outbound_messages group by status`,
      );
      const out = { pending: 0, sent: 0, failed: 0 };
      for (const r of rows) if (r.status in out) out[r.status as keyof typeof out] = Number(r.n);
      return out;
    },
    async prune(before, limit) {
      const result = await conn().execute<QueryResult>(
        `delete from outbound_messages where id in (
           select id from outbound_messages where status <> 'pending' and created_at < ? order by created_at limit ?)`,
        [before, limit],
        'run',
      );
      return result.affectedRows;
    },
  };
}
