/**
 * User tokens for the client API (`/api/v1`, WebSocket, dashboard sessions), revocable. A token carries the user's
 * `token_version`; `revoke` bumps it, so every token issued before stops working at once, and
 * listeners (the WebSocket adapter) close the streams such tokens opened. `verify` reads the row
 * on every call (streams connect rarely) and returns the user's status, which callers check.
 * This module owns the `users.token_version` column.
 */
import type { UserStatus } from '../../db/entities/index.js';
import type { Orm } from '../../db/orm.js';
import { isUuid } from '../ids.js';
import { TokenError, type TokenService } from './tokens.js';

export interface UserTokens {
  /** A token of the user's current version, valid `ttlSeconds` (default 30 days) unless revoked. */
  issue(userId: string, ttlSeconds?: number): Promise<string>;
  /** Invalidates every token the user holds and tells the `onRevoke` listeners. */
  revoke(userId: string): Promise<void>;
  /** Who holds a valid token and their account status; throws TokenError (bad, expired, revoked, unknown user). */
  verify(token: string): Promise<{ userId: string; status: UserStatus }>;
  /** Called with the user id after each revoke; returns an unsubscribe function. */
  onRevoke(listener: (userId: string) => void): () => void;
}

export function createUserTokens({ orm, tokens }: { orm: Orm; tokens: TokenService }): UserTokens {
  const listeners = new Set<(userId: string) => void>();
  const sql = <T>(query: string, params: unknown[]): Promise<T[]> => orm.em.getConnection().execute(query, params);

  async function row(userId: string): Promise<{ token_version: number; status: UserStatus } | undefined> {
    if (!isUuid(userId)) return undefined;
    const rows = await sql<{ token_version: number; status: UserStatus }>('select token_version, status from users where id = ?', [userId]);
    return rows[0];
  }

  return {
    async issue(userId, ttlSeconds) {
      const user = await row(userId);
      if (!user) throw new TokenError(`no user ${userId}`);
      return tokens.mintUserToken(userId, user.token_version, ttlSeconds);
    },

    async revoke(userId) {
      await sql('update users set token_version = token_version + 1 where id = ?', [userId]);
      for (const listener of listeners) listener(userId);
    },

    async verify(token) {
      const claims = await tokens.verifyUserToken(token);
      const user = await row(claims.userId);
      if (!user) throw new TokenError('unknown user');
      if (user.token_version !== claims.version) throw new TokenError('token revoked');
      return { userId: claims.userId, status: user.status };
    },

    onRevoke(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
