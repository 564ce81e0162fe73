/**
 * Signs Telegram Mini App `initData` the way Telegram does, for tests (written from the spec,
 * independently of src/hub/auth/init-data.ts, so the two check each other):
 * key = HMAC-SHA256(key "WebAppData", bot token); hash = hex HMAC-SHA256(key, the fields but
 * `hash`, URL-decoded, `k=v`, sorted by key, joined with "\n").
 */
import { createHmac } from 'node:crypto';

export interface InitDataInput {
  botToken: string;
  /** The Telegram user (`id` at least). */
  user: { id: number; first_name?: string; username?: string };
  /** Unix seconds; default now. */
  authDate?: number;
  /** Other fields (query_id, start_param, …). */
  extra?: Record<string, string>;
}

export function signInitData({ botToken, user, authDate, extra = {} }: InitDataInput): string {
  const fields: Record<string, string> = {
    auth_date: String(authDate ?? Math.floor(Date.now() / 1000)),
    query_id: `AAH${Math.random().toString(36).slice(2, 12)}`,
    user: JSON.stringify({ first_name: `Trader${user.id}`, ...user }),
    ...extra,
  };
  const keys = Object.keys(fields).sort();
  const checkString = keys.map((k) => `${k}=${fields[k]}`).join('\n');
  const secret = createHmac('sha256', 'WebAppData').update(botToken).digest();
  const hash = createHmac('sha256', secret).update(checkString).digest('hex');
  const query = new URLSearchParams();
  for (const k of keys) query.set(k, fields[k]!);
  query.set('hash', hash);
  return query.toString();
}
