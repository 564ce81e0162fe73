/**
 * Query strings arrive as text and the server does not coerce types (src/http/server.ts): a
 * `preValidation` hook that reads the named parameters as numbers when they are plain whole
 * numbers, so the schemas' integer rules apply; anything else is left for the schema to refuse.
 */
import type { FastifyRequest } from 'fastify';

export function numericQuery(names: readonly string[]) {
  return async (request: FastifyRequest): Promise<void> => {
    const query = request.query as Record<string, unknown> | undefined;
    if (!query) return;
    for (const name of names) {
      const value = query[name];
      if (typeof value === 'string' && /^\d{1,15}$/.test(value)) query[name] = Number(value);
    }
  };
}
