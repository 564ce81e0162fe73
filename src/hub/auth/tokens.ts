/**
 * Tokens: agent tokens (HS256, key derived from INTERNAL_SECRET with HKDF, `scope=agent`,
 * `sub=agent id`, `gen` = the agent's token generation) and user tokens for the WebSocket API
 * (key derived from JWT_SECRET, `scope=user`, `sub=user id`, `ver` = the user's token version).
 * Signature checks are constant-time inside jose. This module only signs and checks signatures;
 * whether a generation or version is still current is the row's business
 * (`agent-credentials.ts`, `user-tokens.ts`). A token without `gen`/`ver` (minted before they
 * existed) counts as generation/version 0, the value every row starts with.
 */
import { hkdfSync } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

/** The `scope` claim of each kind of token: an agent token never passes as a user token, nor back. */
const AGENT_SCOPE = 'agent';
const USER_SCOPE = 'user';

export class TokenError extends Error {
  override name = 'TokenError';
}

function deriveKey(secret: string, purpose: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), Buffer.from(purpose, 'utf8'), 32));
}

export interface AgentTokenClaims {
  agentId: string;
  /** `agents.token_generation` when the token was minted. */
  generation: number;
}

export interface UserTokenClaims {
  userId: string;
  /** `users.token_version` when the token was minted. */
  version: number;
}

export interface TokenService {
  /** `generation` defaults to 0, the generation of an agent that was never started. */
  mintAgentToken(agentId: string, generation?: number): Promise<string>;
  /** Checks signature and scope only; throws TokenError. */
  verifyAgentToken(token: string): Promise<AgentTokenClaims>;
  /** `version` defaults to 0, the version of a user who never revoked; `ttlSeconds` default 30 days. */
  mintUserToken(userId: string, version?: number, ttlSeconds?: number): Promise<string>;
  /** Checks signature, scope and expiry only; throws TokenError. */
  verifyUserToken(token: string): Promise<UserTokenClaims>;
}

/** A generation/version claim: a non-negative integer, 0 when absent (older tokens). */
function counterClaim(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new TokenError('invalid token');
  return value;
}

export function createTokenService(secrets: { internalSecret: string; jwtSecret: string }): TokenService {
  const agentKey = deriveKey(secrets.internalSecret, 'artic/agent-token/v1');
  const userKey = deriveKey(secrets.jwtSecret, 'artic/user-token/v1');

  async function verify(token: string, key: Uint8Array, scope: string, counter: 'gen' | 'ver'): Promise<{ sub: string; counter: number }> {
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: 'artic' });
      if (payload.scope !== scope || typeof payload.sub !== 'string') throw new TokenError(`token is not a ${scope} token`);
      return { sub: payload.sub, counter: counterClaim(payload[counter]) };
    } catch (error) {
      if (error instanceof TokenError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new TokenError('token expired');
      throw new TokenError('invalid token');
    }
  }

  return {
    mintAgentToken: (agentId, generation = 0) =>
      new SignJWT({ scope: AGENT_SCOPE, gen: generation })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(agentId)
        .setIssuer('artic')
        .setIssuedAt()
        .sign(agentKey),
    async verifyAgentToken(token) {
      const { sub, counter } = await verify(token, agentKey, AGENT_SCOPE, 'gen');
      return { agentId: sub, generation: counter };
    },
    mintUserToken: (userId, version = 0, ttlSeconds = 30 * 24 * 3600) =>
      new SignJWT({ scope: USER_SCOPE, ver: version })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuer('artic')
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(userKey),
    async verifyUserToken(token) {
      const { sub, counter } = await verify(token, userKey, USER_SCOPE, 'ver');
      return { userId: sub, version: counter };
    },
  };
}
