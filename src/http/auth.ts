/** Bearer-token guards for the internal (agent) and client (user) APIs, and the constant-time secret check. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AgentCredentials } from '../hub/auth/agent-credentials.js';
import { TokenError } from '../hub/auth/tokens.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Constant-time equality of a given secret and the expected one, whatever their lengths (both hashed first). */
export function secretMatches(given: string | undefined, expected: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}

export function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Agent id from a verified agent token (internal routes). */
    agentId?: string;
  }
}

/** What the internal routes need of agent credentials: is this token valid now, and whose is it. */
export type AgentAuth = Pick<AgentCredentials, 'verify'>;

/**
 * `onRequest` hook for `/internal/*`, so it runs before the body is read or parsed: an
 * unauthenticated caller gets 401 whatever it sends (oversized, malformed), never 400/413.
 * 401 without a token of an existing agent's current generation; 403 when the token belongs to
 * another agent than the `:id` in the path.
 */
export function agentGuard(auth: AgentAuth) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearer(request);
    if (!token) return reply.code(401).send({ error: 'Unauthorized', message: 'Missing bearer token' });
    let agentId: string;
    try {
      agentId = await auth.verify(token);
    } catch (error) {
      // Anything but a refused token (the database is down) is the hub's failure: 5xx, retried.
      if (!(error instanceof TokenError)) throw error;
      return reply.code(401).send({ error: 'Unauthorized', message: 'Invalid agent token' });
    }
    const pathId = (request.params as { id?: string } | undefined)?.id;
    if (pathId !== undefined && pathId !== agentId) {
      return reply.code(403).send({ error: 'Forbidden', message: 'This token belongs to another agent' });
    }
    request.agentId = agentId;
  };
}
