/**
 * Who is using the dashboard: the signed Telegram launch data (`initData`) or a one-time login
 * code (`#login=<code>` from the bot's /dashboard) exchanged for a session token at
 * `POST /api/v1/session`. Each of them is accepted once by the hub, so the token is kept for the
 * tab (sessionStorage) and a reload reuses it instead of exchanging again.
 *
 * The outcome is a `Gate`: ready (a token and an active user), or the one thing to show
 * instead of the app: not authorised, waiting for approval, denied, session ended, log in.
 */
import type { ApiUser, SessionResponse } from '../../src/shared/wire.js';
import { ApiError, request } from './api.js';
import type { Host } from './telegram.js';

export type Gate =
  | { kind: 'ready'; token: string; user: ApiUser }
  /** The launch data or login code was refused (forged, expired or used already; the hub's words in `message`). */
  | { kind: 'unauthorised'; message: string }
  /** The account may not use the server: pending approval, denied, or not known (the hub's words in `message`). */
  | { kind: 'refused'; status: AccountState; message: string }
  /** A session this tab had is no longer accepted, and there is nothing to exchange. */
  | { kind: 'expired' }
  /** A plain browser with neither launch data nor a login code. */
  | { kind: 'login' };

export type AccountState = 'pending' | 'denied' | 'unknown';

const SESSION_KEY = 'artic.session';
const ACCOUNT_STATES: Record<string, AccountState> = { account_pending: 'pending', account_denied: 'denied', account_unknown: 'unknown' };

interface StoredSession {
  token: string;
  expiresAt: string;
  /** The launch data it was exchanged for (a new launch brings new data: exchange that). */
  initData: string | null;
}

function stored(initData: string | undefined): StoredSession | undefined {
  try {
    const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as StoredSession | null;
    if (!session || Date.parse(session.expiresAt) <= Date.now()) return undefined;
    if (initData !== undefined && session.initData !== initData) return undefined;
    return session;
  } catch {
    return undefined;
  }
}

/** Takes the login code out of the address at once, so it is neither reused nor shared by a copied link. */
function takeLoginCode(): string | undefined {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const code = fragment.get('login');
  if (!code) return undefined;
  history.replaceState(history.state, '', location.pathname + location.search);
  return code;
}

/** The gate for a refused call: a 403 names the account's state; anything else is not authorised. */
export function gateOf(error: unknown): Gate {
  if (error instanceof ApiError && error.status === 403 && error.code.startsWith('account_')) {
    return { kind: 'refused', status: ACCOUNT_STATES[error.code] ?? 'unknown', message: error.message };
  }
  if (error instanceof ApiError && error.status === 401) return { kind: 'unauthorised', message: error.message };
  throw error;
}

function admitted(token: string, user: ApiUser): Gate {
  if (user.status === 'active') return { kind: 'ready', token, user };
  return { kind: 'refused', status: user.status, message: '' };
}

async function exchange(body: { initData: string } | { loginCode: string }): Promise<Gate> {
  try {
    const session = await request<SessionResponse>('POST', '/session', { body });
    const keep: StoredSession = {
      token: session.token,
      expiresAt: session.expiresAt,
      initData: 'initData' in body ? body.initData : null,
    };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(keep));
    return admitted(session.token, session.user);
  } catch (error) {
    return gateOf(error);
  }
}

/** Decides who the user is; never throws for a refusal (only for a hub that cannot be reached). */
export async function signIn(host: Host): Promise<Gate> {
  const loginCode = takeLoginCode();
  const kept = stored(loginCode ? undefined : host.initData);
  if (kept && !loginCode) {
    try {
      return admitted(kept.token, await request<ApiUser>('GET', '/me', { token: kept.token }));
    } catch (error) {
      sessionStorage.removeItem(SESSION_KEY);
      // Its launch data or code was used up by the exchange: only a new launch helps.
      return error instanceof ApiError && error.status === 401 ? { kind: 'expired' } : gateOf(error);
    }
  }
  if (loginCode) return exchange({ loginCode });
  if (host.initData) return exchange({ initData: host.initData });
  return { kind: 'login' };
}

/** Forgets the session (it was refused). */
export function forgetSession(): void {
  sessionStorage.removeItem(SESSION_KEY);
}
