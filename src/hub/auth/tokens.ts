/**
 * Tokens: agent tokens (HS256, key derived from INTERNAL_SECRET with HKDF, `scope=agent`,
 * `sub=agent id`) and user tokens for the WebSocket API (key derived from JWT_SECRET,
 * `scope=user`, `sub=user id`). Signature checks are constant-time inside jose.
 */
import { hkdfSync } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { AGENT_SCOPE, USER_SCOPE } from '../../shared/wire.js';

export class TokenError extends Error {
  override name = 'TokenError';
}

function deriveKey(secret: string, purpose: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), Buffer.from(purpose, 'utf8'), 32));
}

export interface TokenService {
  mintAgentToken(agentId: string): Promise<string>;
  /** Returns the agent id, or throws TokenError. */
  verifyAgentToken(token: string): Promise<string>;
  mintUserToken(userId: string, ttlSeconds?: number): Promise<string>;
  verifyUserToken(token: string): Promise<string>;
}

export function createTokenService(secrets: { internalSecret: string; jwtSecret: string }): TokenService {
  const agentKey = deriveKey(secrets.internalSecret, 'artic/agent-token/v1');
  const userKey = deriveKey(secrets.jwtSecret, 'artic/user-token/v1');

  async function verify(token: string, key: Uint8Array, scope: string): Promise<string> {
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: 'artic' });
      if (payload.scope !== scope || typeof payload.sub !== 'string') throw new TokenError(`token is not a ${scope} token`);
      return payload.sub;
    } catch (error) {
      if (error instanceof TokenError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new TokenError('token expired');
      throw new TokenError('invalid token');
    }
  }

  return {
    mintAgentToken: (agentId) =>
      new SignJWT({ scope: AGENT_SCOPE }).setProtectedHeader({ alg: 'HS256' }).setSubject(agentId).setIssuer('artic').setIssuedAt().sign(agentKey),
    verifyAgentToken: (token) => verify(token, agentKey, AGENT_SCOPE),
    mintUserToken: (userId, ttlSeconds = 30 * 24 * 3600) =>
      new SignJWT({ scope: USER_SCOPE })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuer('artic')
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(userKey),
    verifyUserToken: (token) => verify(token, userKey, USER_SCOPE),
  };
}
