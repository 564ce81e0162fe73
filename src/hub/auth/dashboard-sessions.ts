/**
 * Sessions of the dashboard (the Mini App at `/app`, or the same page in a plain browser): a
 * Telegram Mini App `initData` (./init-data.ts) or a one-time login code from the bot's
 * /dashboard is exchanged for a short-lived user token (./user-tokens.ts: revocable with the
 * user's other tokens through `users.token_version`).
 *
 * - Replay: an `initData` is exchanged once. Its hash is remembered until the initData would have
 *   expired anyway (`auth_date` + MINIAPP_MAX_AGE_S); a second exchange is refused.
 * - Login codes are single-use and live LOGIN_CODE_TTL_S. Both are kept in PostgreSQL
 *   (./dashboard-credential-store.ts), keyed by SHA-256 (a code itself is never stored), so every
 *   hub replica on the database shares them: an initData used on one replica is refused on
 *   another, a code issued on one works on another exactly once, and a restart forgets nothing.
 *   Expired rows are deleted as new codes are issued (at most once a minute).
 * - Access: only active accounts get a session; pending, denied or unknown ones are told why
 *   (`AccountRefusedError`) and get nothing else.
 */
import { createHash, randomBytes } from 'node:crypto';
import { HubError } from '../errors.js';
import type { UserService, UserView } from '../users.js';
import { InitDataError, verifyInitData } from './init-data.js';
import type { UserTokens } from './user-tokens.js';
import type { DashboardCredentialStore } from './dashboard-credential-store.js';

/** How long a dashboard session token works, seconds (then the app asks for a fresh one). */
export const DASHBOARD_SESSION_TTL_S = 8 * 3600;
/** How long a /dashboard login code may wait to be used, seconds. */
export const LOGIN_CODE_TTL_S = 10 * 60;
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
  issueLoginCode(userId: string): Promise<{ code: string; expiresAt: Date }>;
}

export interface DashboardSessionsDeps {
  /** Used initData and open login codes, shared by the replicas. */
  credentials: DashboardCredentialStore;
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

export function createDashboardSessions(deps: DashboardSessionsDeps): DashboardSessions {
  const clock = deps.clock ?? Date.now;
  const { credentials } = deps;
  let prunedAt = 0;

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
    const expiresAt = (verified.authDate + deps.initDataMaxAgeSeconds) * 1000;
    if (!(await credentials.useInitData(sha256(verified.hash), expiresAt, clock())))
      throw new SessionRefusedError('initData replayed', 'This launch of the dashboard was used already. Open it again from the bot.');
    return grant(await deps.users.byTelegramId(verified.user.id));
  }

  async function fromLoginCode(code: string): Promise<DashboardSession> {
    const userId = await credentials.takeLoginCode(sha256(code), clock());
    if (!userId)
      throw new SessionRefusedError('unknown login code', 'This login link was used already or has expired. Send /dashboard again.');
    return grant(await deps.users.byId(userId));
  }

  return {
    exchange: (credential) => ('initData' in credential ? fromInitData(credential.initData) : fromLoginCode(credential.loginCode)),
    async issueLoginCode(userId) {
      const code = randomBytes(24).toString('base64url');
      const now = clock();
      if (now - prunedAt > 60_000) {
        prunedAt = now;
        await credentials.pruneExpired(now);
      }
      const expiresAt = now + LOGIN_CODE_TTL_S * 1000;
      await credentials.openLoginCode(sha256(code), userId, expiresAt);
      return { code, expiresAt: new Date(expiresAt) };
    },
  };
}
