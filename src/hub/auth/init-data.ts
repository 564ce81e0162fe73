/**
 * Telegram Mini App `initData`, checked exactly as Telegram specifies
 * (https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):
 *
 *   secret_key        = HMAC_SHA256(key = "WebAppData", message = bot token)
 *   data_check_string = every received field but `hash`, URL-decoded, as `key=value`, sorted by
 *                       key, joined with "\n"
 *   valid             ⇔ hex(HMAC_SHA256(key = secret_key, message = data_check_string)) = hash
 *
 * The hashes are compared in constant time. `auth_date` (Unix seconds) must be at most
 * `maxAgeSeconds` old (MINIAPP_MAX_AGE_S) and not in the future beyond a small clock skew.
 * Pure: node:crypto only, no state; replay protection is the caller's (./dashboard-sessions.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { HubError } from '../errors.js';

/** Why `initData` was refused: unreadable, signed by another bot (or altered), or too old. */
export type InitDataFault = 'malformed' | 'signature' | 'expired';

export class InitDataError extends HubError {
  override name = 'InitDataError';
  constructor(readonly fault: InitDataFault) {
    super(`initData refused: ${fault}`, FAULT_WORDS[fault]);
  }
}

const FAULT_WORDS: Record<InitDataFault, string> = {
  malformed: 'The Telegram launch data is not readable. Open the dashboard again from the bot.',
  signature: 'The Telegram launch data is not signed for this bot. Open the dashboard again from the bot.',
  expired: 'The Telegram launch data is too old. Close the dashboard and open it again from the bot.',
};

/** The Telegram user who opened the Mini App (fields Telegram sends, snake_case as sent). */
export interface InitDataUser {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
}

export interface VerifiedInitData {
  user: InitDataUser;
  /** Unix seconds when Telegram signed it. */
  authDate: number;
  /** The signature (hex); unique per initData, which is what replay protection remembers. */
  hash: string;
  /** `start_param` of a t.me link that opened the app, if any. */
  startParam: string | undefined;
}

/** Seconds an `auth_date` may lie ahead of our clock (clock skew between Telegram and the host). */
const MAX_FUTURE_SKEW_S = 60;

/** The key Telegram derives from the bot token. */
export function initDataSecretKey(botToken: string): Buffer {
  return createHmac('sha256', 'WebAppData').update(botToken).digest();
}

/** `hex(HMAC_SHA256(secret_key, data_check_string))` of the fields (all but `hash`). */
export function initDataHash(fields: ReadonlyArray<readonly [string, string]>, botToken: string): string {
  const dataCheckString = fields
    .filter(([key]) => key !== 'hash')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
  return createHmac('sha256', initDataSecretKey(botToken)).update(dataCheckString).digest('hex');
}

/** Fields of the query string, decoded; null when a key repeats (Telegram never sends one twice). */
function fieldsOf(initData: string): Array<[string, string]> | null {
  const fields = [...new URLSearchParams(initData)];
  const keys = new Set(fields.map(([key]) => key));
  return keys.size === fields.length ? fields : null;
}

function userOf(raw: string | undefined): InitDataUser | null {
  if (!raw) return null;
  try {
    const user = JSON.parse(raw) as Partial<InitDataUser> | null;
    if (!user || !Number.isSafeInteger(user.id) || (user.id as number) <= 0) return null;
    return { ...user, first_name: typeof user.first_name === 'string' ? user.first_name : '' } as InitDataUser;
  } catch {
    return null;
  }
}

/**
 * Checks `initData` (the raw `Telegram.WebApp.initData` string) for `botToken`; throws
 * `InitDataError`. `nowMs`: the caller's clock (epoch ms).
 */
export function verifyInitData(initData: string, botToken: string, options: { maxAgeSeconds: number; nowMs: number }): VerifiedInitData {
  const fields = fieldsOf(initData);
  if (!fields) throw new InitDataError('malformed');
  const get = (key: string) => fields.find(([k]) => k === key)?.[1];
  const hash = get('hash') ?? '';
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new InitDataError('malformed');
  const expected = Buffer.from(initDataHash(fields, botToken), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(hash, 'hex'))) throw new InitDataError('signature');

  const authDate = Number(get('auth_date'));
  if (!Number.isSafeInteger(authDate) || authDate <= 0) throw new InitDataError('malformed');
  const nowS = Math.floor(options.nowMs / 1000);
  if (nowS - authDate > options.maxAgeSeconds || authDate - nowS > MAX_FUTURE_SKEW_S) throw new InitDataError('expired');

  const user = userOf(get('user'));
  if (!user) throw new InitDataError('malformed');
  return { user, authDate, hash, startParam: get('start_param') };
}
