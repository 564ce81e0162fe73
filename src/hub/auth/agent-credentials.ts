/**
 * Agent tokens tied to the agent row. Every start bumps `agents.token_generation` and hands the
 * agent a token of the new generation; a request is accepted only when its token's agent still
 * exists and the token's generation is the row's current one. So a deleted or unknown agent gets
 * 401 everywhere, and a token from before the agent's last start is dead, while an agent adopted
 * after a hub restart keeps working with the token it runs with (the generation lives in the row,
 * not in the hub's memory).
 *
 * Agents call many times a second: signatures and generations are cached. The generation cache
 * is updated by `issue` and cleared by `forget` (agent deleted); entries also expire after
 * `cacheTtlMs`, which bounds how long a change made elsewhere (another process) goes unseen; a
 * token newer than the cached generation (its agent was started through another hub replica) is
 * checked against the row at once, and other replicas' starts and deletes clear the cache
 * (../cluster/cluster-caches.ts).
 * This module owns the meaning of the `token_generation` column (its queries are in agent-store.ts).
 */
import type { Orm } from '../../db/orm.js';
import { bumpTokenGeneration, tokenGeneration } from '../agents/agent-store.js';
import { rememberBounded } from '../bounded-map.js';
import { isUuid } from '../ids.js';
import { TokenError, type AgentTokenClaims, type TokenService } from './tokens.js';

export interface AgentCredentials {
  /** Starts a new generation for the agent and returns its token: every older token stops working. */
  issue(agentId: string): Promise<string>;
  /** A token of the agent's current generation (what an adopted agent already holds); throws TokenError for no such agent. */
  current(agentId: string): Promise<string>;
  /** The agent id of a token that is valid now; throws TokenError otherwise. */
  verify(token: string): Promise<string>;
  /** Drops what is cached about the agent (it was deleted). */
  forget(agentId: string): void;
}

export interface AgentCredentialsOptions {
  orm: Orm;
  tokens: TokenService;
  /** How long a generation read from the database is trusted (ms; default 60 s). */
  cacheTtlMs?: number;
  /** Most tokens and agents cached each (oldest dropped first; default 10 000). */
  maxCached?: number;
  now?: () => number;
}

export function createAgentCredentials(options: AgentCredentialsOptions): AgentCredentials {
  const { orm, tokens } = options;
  const ttlMs = options.cacheTtlMs ?? 60_000;
  const max = options.maxCached ?? 10_000;
  const now = options.now ?? Date.now;
  /** token → claims, for tokens whose signature checked out. */
  const signed = new Map<string, AgentTokenClaims>();
  /** agent id → current generation and when it was read. */
  const generations = new Map<string, { generation: number; at: number }>();

  /** Keeps the highest generation seen: generations only grow, so a slow read never undoes an `issue`. */
  function note(agentId: string, generation: number): void {
    const known = generations.get(agentId);
    if (known && known.generation > generation) return;
    rememberBounded(generations, agentId, { generation, at: now() }, max);
  }

  /** `atLeast`: a token's generation; a cache behind it (a start through another replica) is read again. */
  async function generationOf(agentId: string, atLeast = 0): Promise<number | undefined> {
    const cached = generations.get(agentId);
    if (cached && now() - cached.at < ttlMs && cached.generation >= atLeast) return cached.generation;
    if (!isUuid(agentId)) return undefined;
    const stored = await tokenGeneration(orm, agentId);
    if (stored === undefined) {
      generations.delete(agentId);
      return undefined;
    }
    note(agentId, stored);
    return generations.get(agentId)!.generation;
  }

  return {
    async issue(agentId) {
      const generation = await bumpTokenGeneration(orm, agentId);
      if (generation === undefined) throw new TokenError(`no agent ${agentId}`);
      note(agentId, generation);
      return tokens.mintAgentToken(agentId, generation);
    },

    async current(agentId) {
      const generation = await generationOf(agentId);
      if (generation === undefined) throw new TokenError(`no agent ${agentId}`);
      return tokens.mintAgentToken(agentId, generation);
    },

    async verify(token) {
      let claims = signed.get(token);
      if (!claims) {
        claims = await tokens.verifyAgentToken(token);
        rememberBounded(signed, token, claims, max);
      }
      const generation = await generationOf(claims.agentId, claims.generation);
      if (generation === undefined) throw new TokenError('unknown agent');
      if (claims.generation !== generation) throw new TokenError('token replaced by a newer start of the agent');
      return claims.agentId;
    },

    forget(agentId) {
      generations.delete(agentId);
    },
  };
}
