/**
 * Sessions of the dashboard (the Mini App at `/app`, or the same page in a plain browser): a
 * Telegram Mini App `initData` (./init-data.ts) or a one-time login code from the bot's
 * /dashboard is exchanged for a short-lived user token (./user-tokens.ts: revocable with the
 * user's other tokens through `users.token_version`).
 *
 * - Replay: an `initData` is exchanged once. Its hash is remembered until the initData would have
 *   expired anyway (`auth_date` + MINIAPP_MAX_AGE_S); a second exchange is refused.
 * - Login codes are single-use and live LOGIN_CODE_TTL_S. Both live in this process's memory,
 *   keyed by SHA-256 (a code itself is never stored): they are short-lived, a hub restart only
 *   makes a trader send /dashboard again (or reopen the Mini App), and memory spares a table
 *   whose rows would all be seconds-old garbage. A hub restart also forgets used initData
 *   hashes; the signed `auth_date` still bounds a replay to MINIAPP_MAX_AGE_S.
 * - Access: only active accounts get a session; pending, denied or unknown ones are told why
 *   (`AccountRefusedError`) and get nothing else.
 */
import { createHash, randomBytes } from 'node:crypto';
import { HubError } from '../errors.js';
import type { UserService, UserView } from '../users.js';
import { InitDataError, verifyInitData } from './init-data.js';
import type { UserTokens } from './user-tokens.js';

/** How long a dashboard session token works, seconds (then the app asks for a fresh one). */
export const DASHBOARD_SESSION_TTL_S = 8 * 3600;
/** How long a /dashboard login code may wait to be used, seconds. */
export const LOGIN_CODE_TTL_S = 10 * 60;
/** Most remembered initData hashes and open login codes (each); past it new ones are refused. */
const MAX_REMEMBERED = 100_000;

/** The exchange was refused (bad, expired or replayed initData; unknown or used login code): HTTP 401. */
export class SessionRefusedError extends HubError {
  override name = 'SessionRefusedError';
}

export type AccountRefusal = 'account_pending' | 'account_denied' | 'account_unknown';

/** The account may not use the server (yet): HTTP 403 with `code` and the words to show. */
export class AccountRefusedError extends HubError {
  override name = 'AccountRefusedError';
  constructor(
    readonly code: AccountRefusal,
    userMessage: string,
  ) {
    super(`account refused: ${code}`, userMessage);
  }
}

const ACCOUNT_WORDS: Record<AccountRefusal, string> = {
  account_pending: 'Your account is waiting for an admin’s approval. You can use the dashboard once you are approved.',
  account_denied: 'Your account was not approved for this server.',
  account_unknown: 'You have no account here yet: send /start to the bot first.',
};

/** The refusal for a user of this status, or undefined for an active one. */
export function accountRefusal(status: UserView['status'] | undefined): AccountRefusedError | undefined {
  if (status === 'active') return undefined;
  const code: AccountRefusal = status === 'pending' ? 'account_pending' : status === 'denied' ? 'account_denied' : 'account_unknown';
  return new AccountRefusedError(code, ACCOUNT_WORDS[code]);
}

export interface DashboardSession {
  token: string;
  expiresAt: Date;
  user: UserView;
}

export interface DashboardSessions {
  /** Exchanges one of the two credentials; throws `SessionRefusedError` or `AccountRefusedError`. */
  exchange(credential: { initData: string } | { loginCode: string }): Promise<DashboardSession>;
  /** A fresh single-use login code for the user (the bot's /dashboard link). */
  issueLoginCode(userId: string): { code: string; expiresAt: Date };
}

export interface DashboardSessionsDeps {
  users: Pick<UserService, 'byTelegramId' | 'byId'>;
  userTokens: Pick<UserTokens, 'issue'>;
  /** TELEGRAM_BOT_TOKEN; without it no initData is accepted. */
  botToken: string | undefined;
  /** MINIAPP_MAX_AGE_S. */
  initDataMaxAgeSeconds: number;
  /** Epoch ms; tests inject one. */
  clock?: () => number;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Entries that expire (epoch ms); expired ones are dropped as new ones come. */
function expiringSet<V>(clock: () => number) {
  const entries = new Map<string, { value: V; expiresAt: number }>();
  const sweep = () => {
    const now = clock();
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
  };
  return {
    /** False when full even after dropping expired entries. */
    add(key: string, value: V, expiresAt: number): boolean {
      if (entries.size >= MAX_REMEMBERED) sweep();
      if (entries.size >= MAX_REMEMBERED) return false;
      entries.set(key, { value, expiresAt });
      return true;
    },
    /** The live entry under `key`, removed (single use). */
    take(key: string): V | undefined {
      const entry = entries.get(key);
      entries.delete(key);
      return entry && entry.expiresAt > clock() ? entry.value : undefined;
    },
    has: (key: string) => (entries.get(key)?.expiresAt ?? 0) > clock(),
  };
}

export function createDashboardSessions(deps: DashboardSessionsDeps): DashboardSessions {
  const clock = deps.clock ?? Date.now;
  const usedInitData = expiringSet<true>(clock);
  const loginCodes = expiringSet<string>(clock);

  async function grant(user: UserView | undefined): Promise<DashboardSession> {
    const refusal = accountRefusal(user?.status);
    if (refusal) throw refusal;
    if (!user) throw new Error('unreachable: a missing user is refused above');
    const token = await deps.userTokens.issue(user.id, DASHBOARD_SESSION_TTL_S);
    return { token, expiresAt: new Date(clock() + DASHBOARD_SESSION_TTL_S * 1000), user };
  }

  async function fromInitData(initData: string): Promise<DashboardSession> {
    if (!deps.botToken) throw new SessionRefusedError('no bot token', 'This server has no Telegram bot: use a /dashboard login link.');
    let verified;
    try {
      verified = verifyInitData(initData, deps.botToken, { maxAgeSeconds: deps.initDataMaxAgeSeconds, nowMs: clock() });
    } catch (error) {
      if (error instanceof InitDataError) throw new SessionRefusedError(error.message, error.userMessage);
      throw error;
    }
    const key = sha256(verified.hash);
    if (usedInitData.has(key))
      throw new SessionRefusedError('initData replayed', 'This launch of the dashboard was used already. Open it again from the bot.');
    const expiresAt = (verified.authDate + deps.initDataMaxAgeSeconds) * 1000;
    if (!usedInitData.add(key, true, expiresAt))
      throw new SessionRefusedError('replay memory full', 'Too many dashboard sign-ins right now. Try again in a minute.');
    return grant(await deps.users.byTelegramId(verified.user.id));
  }

  async function fromLoginCode(code: string): Promise<DashboardSession> {
    const userId = loginCodes.take(sha256(code));
    if (!userId)
      throw new SessionRefusedError('unknown login code', 'This login link was used already or has expired. Send /dashboard again.');
    return grant(await deps.users.byId(userId));
  }

  return {
    exchange: (credential) => ('initData' in credential ? fromInitData(credential.initData) : fromLoginCode(credential.loginCode)),
    issueLoginCode(userId) {
      const code = randomBytes(24).toString('base64url');
      const expiresAt = clock() + LOGIN_CODE_TTL_S * 1000;
      if (!loginCodes.add(sha256(code), userId, expiresAt))
        throw new SessionRefusedError('login codes full', 'Too many login links are open right now. Try again in a few minutes.');
      return { code, expiresAt: new Date(expiresAt) };
    },
  };
}
