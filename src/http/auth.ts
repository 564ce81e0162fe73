/** Bearer-token guards for the internal (agent) and client (user) APIs. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenService } from '../hub/auth/tokens.js';

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

/**
 * preHandler for `/internal/*`: 401 without a valid agent token; 403 when the token belongs to
 * another agent than the `:id` in the path.
 */
export function agentGuard(tokens: TokenService, cacheSize = 10_000) {
  // Agents push many times a second with the same token; a token that verified once always
  // verifies to the same agent (agent tokens carry no expiry), so keep the answer. Only tokens
  // that passed verification are cached; the cache is bounded (oldest entry evicted first).
  const verified = new Map<string, string>();
  return async (request: FastifyRequest<{ Params: { id?: string } }>, reply: FastifyReply) => {
    const token = bearer(request);
    if (!token) return reply.code(401).send({ error: 'Unauthorized', message: 'Missing bearer token' });
    let agentId = verified.get(token);
    if (agentId === undefined) {
      try {
        agentId = await tokens.verifyAgentToken(token);
      } catch {
        return reply.code(401).send({ error: 'Unauthorized', message: 'Invalid agent token' });
      }
      if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
      verified.set(token, agentId);
    }
    const pathId = request.params?.id;
    if (pathId !== undefined && pathId !== agentId) {
      return reply.code(403).send({ error: 'Forbidden', message: 'This token belongs to another agent' });
    }
    request.agentId = agentId;
  };
}
