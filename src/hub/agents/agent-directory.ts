/**
 * Agents as records: create, find (by id, id prefix or name), list, edit, delete — every query
 * scoped to the owner, so another user's agent behaves exactly like a missing one. Creation runs
 * under the owner's lock and MAX_AGENTS_PER_USER (`quotas.ts`).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AgentSchema, TradeSchema, type Agent } from '../../db/entities/index.js';
import type { Orm } from '../../db/orm.js';
import { AgentNotFoundError, AmbiguousAgentError, AgentStateError, ValidationError } from '../errors.js';
import { LIVE_FIELDS, validateAgentInput, validateField, type AgentInput, type InputLimits } from './agent-input.js';
import { toAgentView, type AgentView } from './agent-view.js';
import { checkAgentCount, checkQuotas, lockOwner, type AgentQuotas } from './quotas.js';

export interface AgentRef {
  ownerId: string;
  name: string;
}

export interface EditResult {
  agent: AgentView;
  /** Fields the running agent applies without a restart. */
  appliedLive: Array<keyof AgentInput>;
  /** Fields that take effect on the next (re)start. */
  needsRestart: Array<keyof AgentInput>;
}

export interface AgentDirectory {
  /** Throws `QuotaExceededError` when the owner has MAX_AGENTS_PER_USER agents (admins exempt). */
  create(ownerId: string, input: Partial<AgentInput> & Pick<AgentInput, 'symbol' | 'amountUsdt'>): Promise<AgentView>;
  /** Throws `QuotaExceededError` when the owner could not create and run one more agent now. */
  checkQuota(ownerId: string): Promise<void>;
  list(ownerId: string): Promise<AgentView[]>;
  /** `ref` is a full id, an id prefix (≥4 chars) or a name (case-insensitive). */
  find(ownerId: string, ref: string): Promise<AgentView>;
  edit(ownerId: string, ref: string, patch: Partial<AgentInput>): Promise<EditResult>;
  /** Removes the record (trades and logs go with it). The caller stops it first. */
  remove(ownerId: string, agentId: string): Promise<void>;
  /** Owner and name of an agent, cached (internal routes resolve every push to its owner). */
  ref(agentId: string): Promise<AgentRef | undefined>;
  forget(agentId: string): void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createAgentDirectory({ orm, limits, quotas }: { orm: Orm; limits: InputLimits; quotas?: AgentQuotas }): AgentDirectory {
  const refs = new Map<string, AgentRef>();
  const fork = (): EntityManager => orm.em.fork() as EntityManager;

  async function load(em: EntityManager, ownerId: string, ref: string): Promise<Agent> {
    const needle = ref.trim();
    if (!needle) throw new AgentNotFoundError(ref);
    if (UUID.test(needle)) {
      const agent = await em.findOne(AgentSchema, { id: needle.toLowerCase(), owner: ownerId });
      if (!agent) throw new AgentNotFoundError(ref);
      return agent;
    }
    const byPrefix = /^[0-9a-f-]{4,}$/i.test(needle);
    const rows: Array<{ id: string }> = await em
      .getConnection()
      .execute(`select id from agents where owner_id = ? and (lower(name) = lower(?) or (? and id::text like ?))`, [
        ownerId,
        needle,
        byPrefix,
        `${needle.toLowerCase().replace(/[%_\\]/g, '')}%`,
      ]);
    const candidates = rows.length ? await em.find(AgentSchema, { id: { $in: rows.map((r) => r.id) }, owner: ownerId }) : [];
    const exact = candidates.filter((a) => a.name.toLowerCase() === needle.toLowerCase());
    const pick = exact.length ? exact : candidates;
    if (pick.length === 0) throw new AgentNotFoundError(ref);
    if (pick.length > 1) throw new AmbiguousAgentError(ref, pick.map((a) => `${a.name} (${a.id.slice(0, 8)})`));
    return pick[0];
  }

  async function uniqueName(em: EntityManager, ownerId: string, wanted: string, exceptId?: string): Promise<void> {
    const clash = await em.findOne(AgentSchema, { owner: ownerId, name: wanted, ...(exceptId ? { id: { $ne: exceptId } } : {}) });
    if (clash) throw new ValidationError('name', `You already have an agent named "${wanted}". Choose another name.`);
  }

  return {
    async create(ownerId, input) {
      const valid = validateAgentInput(input, limits);
      const agent = await fork().transactional(async (em) => {
        await lockOwner(em, ownerId);
        if (quotas) await checkAgentCount(em, quotas, ownerId);
        await uniqueName(em, ownerId, valid.name);
        return em.create(AgentSchema, { ...valid, owner: ownerId, status: 'created' });
      });
      refs.set(agent.id, { ownerId, name: agent.name });
      return toAgentView(agent);
    },

    async checkQuota(ownerId) {
      if (quotas) await checkQuotas(orm, quotas, ownerId);
    },

    async list(ownerId) {
      const agents = await fork().find(AgentSchema, { owner: ownerId }, { orderBy: { createdAt: 'asc' } });
      return agents.map(toAgentView);
    },

    async find(ownerId, ref) {
      return toAgentView(await load(fork(), ownerId, ref));
    },

    async edit(ownerId, ref, patch) {
      const em = fork();
      const agent = await load(em, ownerId, ref);
      const appliedLive: Array<keyof AgentInput> = [];
      const needsRestart: Array<keyof AgentInput> = [];
      const active = agent.status === 'running' || agent.status === 'starting';
      const next: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(patch) as Array<[keyof AgentInput, never]>) {
        if (value === undefined) continue;
        next[key] = validateField(key, value, limits);
      }
      if (typeof next.name === 'string') await uniqueName(em, ownerId, next.name, agent.id);
      // The open position is in the old symbol (even while the agent is stopped); a close after a
      // symbol change would trade the wrong pair.
      if (next.symbol !== undefined && next.symbol !== agent.symbol && agent.position) {
        throw new AgentStateError('symbol change with an open position', 'This agent holds an open position: close it (start the agent and stop it with closing) before changing its symbol.');
      }
      const merged = { ...toAgentView(agent), ...next } as AgentInput;
      validateAgentInput(merged, limits); // cross-field rules (stop-loss vs leverage)
      for (const [key, value] of Object.entries(next)) {
        if ((agent as unknown as Record<string, unknown>)[key] === value) continue;
        (agent as unknown as Record<string, unknown>)[key] = value;
        if (active) (LIVE_FIELDS.has(key as keyof AgentInput) ? appliedLive : needsRestart).push(key as keyof AgentInput);
      }
      await em.flush();
      refs.set(agent.id, { ownerId, name: agent.name });
      return { agent: toAgentView(agent), appliedLive, needsRestart };
    },

    async remove(ownerId, agentId) {
      const em = fork();
      const agent = await em.findOne(AgentSchema, { id: agentId, owner: ownerId });
      if (!agent) throw new AgentNotFoundError(agentId);
      await em.nativeDelete(TradeSchema, { agent: agentId });
      await em.remove(agent).flush();
      refs.delete(agentId);
    },

    async ref(agentId) {
      const cached = refs.get(agentId);
      if (cached) return cached;
      if (!UUID.test(agentId)) return undefined;
      const rows: Array<{ owner_id: string; name: string }> = await orm.em.getConnection().execute('select owner_id, name from agents where id = ?', [agentId]);
      if (!rows[0]) return undefined;
      const ref = { ownerId: rows[0].owner_id, name: rows[0].name };
      refs.set(agentId, ref);
      return ref;
    },

    forget(agentId) {
      refs.delete(agentId);
    },
  };
}
