/**
 * Agents as records: create, find (by id, id prefix or name), list, edit, delete — every query
 * scoped to the owner, so another user's agent behaves exactly like a missing one. Creation runs
 * under the owner's lock and MAX_AGENTS_PER_USER (`quotas.ts`).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { ACTIVE_AGENT_STATUSES, type Agent } from '../../db/entities/index.js';
import { hasOpenTrade } from '../broker/trades.js';
import type { Orm } from '../../db/orm.js';
import { levelsAfterPctChange } from '../../shared/tp-sl-levels.js';
import { isLiveConfigField } from '../../shared/wire.js';
import { rememberBounded } from '../bounded-map.js';
import { AgentNotFoundError, AmbiguousAgentError, AgentStateError, PositionHeldError, ValidationError } from '../errors.js';
import { isUuid } from '../ids.js';
import { validateAgentInput, validateField, type AgentInput, type InputLimits } from './agent-input.js';
import * as agentStore from './agent-store.js';
import { toAgentView, type AgentView } from './agent-view.js';
import { checkAgentCount, checkQuotas, lockOwner, type AgentQuotas } from './quotas.js';

export interface AgentRef {
  ownerId: string;
  name: string;
}

/** What `edit` saved. It tells nothing to a running agent: see agent-settings.ts. */
export interface EditResult {
  agent: AgentView;
  /** Changed fields of an active agent that its session can take without a restart (LIVE_CONFIG_FIELDS). */
  liveChanges: Array<keyof AgentInput>;
  /** Changed fields of an active agent that take effect on its next (re)start. */
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
  /**
   * Validates and saves a change. A changed TP/SL percent also moves the stored open position's
   * level (what the next `/start` hands back). Refuses a symbol change while the agent is active
   * or holds a position.
   */
  edit(ownerId: string, ref: string, patch: Partial<AgentInput>): Promise<EditResult>;
  /**
   * Pauses or un-pauses the agent (no new entries while paused); `changed` is false when it was
   * so already. It tells nothing to a running agent: see agent-settings.ts.
   */
  setPaused(ownerId: string, ref: string, paused: boolean): Promise<{ agent: AgentView; changed: boolean }>;
  /**
   * Removes the record with its trades, logs and decisions, in one transaction that holds the
   * agent row lock (the broker's order lock): a broker commit lands before it, and is then seen,
   * or waits and finds no agent. Throws `PositionHeldError` while the agent holds a position and
   * `AgentStateError` while it is active (the caller stops it first).
   */
  remove(ownerId: string, agentId: string): Promise<void>;
  /** Owner and name of an agent, cached (internal routes resolve every push to its owner). */
  ref(agentId: string): Promise<AgentRef | undefined>;
  forget(agentId: string): void;
}

/** Owner/name cache size: bounded, so a hub that saw many agents does not keep them all. */
const MAX_CACHED_REFS = 10_000;

/** The owner's agent named by `ref`: a full id, an id prefix (≥4 chars) or a name (case-insensitive). */
async function loadAgent(em: EntityManager, ownerId: string, ref: string): Promise<Agent> {
  const needle = ref.trim();
  if (!needle) throw new AgentNotFoundError(ref);
  if (isUuid(needle)) {
    const agent = await agentStore.findOwned(em, ownerId, needle.toLowerCase());
    if (!agent) throw new AgentNotFoundError(ref);
    return agent;
  }
  const byPrefix = /^[0-9a-f-]{4,}$/i.test(needle);
  const candidates = await agentStore.findOwnedByIds(em, ownerId, await agentStore.idsByNameOrPrefix(em, ownerId, needle, byPrefix));
  const exact = candidates.filter((a) => a.name.toLowerCase() === needle.toLowerCase());
  const pick = exact.length ? exact : candidates;
  if (pick.length === 0) throw new AgentNotFoundError(ref);
  if (pick.length > 1)
    throw new AmbiguousAgentError(
      ref,
      pick.map((a) => `${a.name} (${a.id.slice(0, 8)})`),
    );
  return pick[0];
}

async function uniqueName(em: EntityManager, ownerId: string, wanted: string, exceptId?: string): Promise<void> {
  if (await agentStore.nameTaken(em, ownerId, wanted, exceptId))
    throw new ValidationError('name', `You already have an agent named "${wanted}". Choose another name.`);
}

/** The patch's fields validated, alone and together with the agent's other fields; refuses a symbol change it must not take. */
async function validatedPatch(
  em: EntityManager,
  ownerId: string,
  agent: Agent,
  patch: Partial<AgentInput>,
  limits: InputLimits,
): Promise<Record<string, unknown>> {
  const next: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch) as Array<[keyof AgentInput, never]>) {
    if (value === undefined) continue;
    next[key] = validateField(key, value, limits);
  }
  if (typeof next.name === 'string') await uniqueName(em, ownerId, next.name, agent.id);
  // The open position is in the old symbol (even while the agent is stopped); a close after a
  // symbol change would trade the wrong pair.
  if (next.symbol !== undefined && next.symbol !== agent.symbol && agent.position) {
    throw new AgentStateError(
      'symbol change with an open position',
      'This agent holds an open position: close it (start the agent and stop it with closing) before changing its symbol.',
    );
  }
  // A session trades the pair it started with, and the broker prices its orders on the
  // agent's symbol: the two must not part while it runs.
  if (next.symbol !== undefined && next.symbol !== agent.symbol && ACTIVE_AGENT_STATUSES.has(agent.status)) {
    throw new AgentStateError('symbol change while active', `${agent.name} is ${agent.status}: stop it before changing its pair.`);
  }
  const merged = { ...toAgentView(agent), ...next } as AgentInput;
  validateAgentInput(merged, limits); // cross-field rules (stop-loss vs leverage)
  return next;
}

/** Sets the fields that differ on the agent (not flushed); sorts an active agent's changes into live and restart. */
function applyChanges(agent: Agent, next: Record<string, unknown>): Omit<EditResult, 'agent'> & { changed: Partial<AgentInput> } {
  const liveChanges: Array<keyof AgentInput> = [];
  const needsRestart: Array<keyof AgentInput> = [];
  // A session running or about to run takes (or is sent) the change; one being stopped does not.
  const active = agent.status === 'running' || agent.status === 'starting';
  const changed: Partial<AgentInput> = {};
  for (const [key, value] of Object.entries(next)) {
    if ((agent as unknown as Record<string, unknown>)[key] === value) continue;
    (agent as unknown as Record<string, unknown>)[key] = value;
    (changed as Record<string, unknown>)[key] = value;
    if (active) (isLiveConfigField(key) ? liveChanges : needsRestart).push(key as keyof AgentInput);
  }
  return { changed, liveChanges, needsRestart };
}

export function createAgentDirectory({ orm, limits, quotas }: { orm: Orm; limits: InputLimits; quotas?: AgentQuotas }): AgentDirectory {
  const refs = new Map<string, AgentRef>();
  const fork = (): EntityManager => orm.em.fork() as EntityManager;

  return {
    async create(ownerId, input) {
      const valid = validateAgentInput(input, limits);
      const agent = await fork().transactional(async (em) => {
        await lockOwner(em, ownerId);
        if (quotas) await checkAgentCount(em, quotas, ownerId);
        await uniqueName(em, ownerId, valid.name);
        return agentStore.createOwned(em, ownerId, valid);
      });
      rememberBounded(refs, agent.id, { ownerId, name: agent.name }, MAX_CACHED_REFS);
      return toAgentView(agent);
    },

    async checkQuota(ownerId) {
      if (quotas) await checkQuotas(orm, quotas, ownerId);
    },

    async list(ownerId) {
      return (await agentStore.listOwned(orm, ownerId)).map(toAgentView);
    },

    async find(ownerId, ref) {
      return toAgentView(await loadAgent(fork(), ownerId, ref));
    },

    async edit(ownerId, ref, patch) {
      const em = fork();
      const agent = await loadAgent(em, ownerId, ref);
      const tpSlMode = agent.tpSlMode;
      const next = await validatedPatch(em, ownerId, agent, patch, limits);
      const { changed, liveChanges, needsRestart } = applyChanges(agent, next);
      await em.flush();
      rememberBounded(refs, agent.id, { ownerId, name: agent.name }, MAX_CACHED_REFS);
      if (agent.position && ('tpPct' in changed || 'slPct' in changed)) {
        await agentStore.moveStoredLevels(em, agent.id, levelsAfterPctChange(agent.position, tpSlMode, changed), agent.position.tradeId);
        await em.refresh(agent);
      }
      return { agent: toAgentView(agent), liveChanges, needsRestart };
    },

    async setPaused(ownerId, ref, paused) {
      const em = fork();
      const agent = await loadAgent(em, ownerId, ref);
      const changed = await agentStore.setPausedOwned(em, ownerId, agent.id, paused);
      await em.refresh(agent);
      return { agent: toAgentView(agent), changed };
    },

    async remove(ownerId, agentId) {
      await fork().transactional(async (em) => {
        const agent = await agentStore.lockOwned(em, ownerId, agentId);
        if (!agent) throw new AgentNotFoundError(agentId);
        if (ACTIVE_AGENT_STATUSES.has(agent.status))
          throw new AgentStateError(`agent ${agentId} is ${agent.status}`, `${agent.name} is ${agent.status}: stop it before deleting it.`);
        if (agent.position || (await hasOpenTrade(em, agentId))) throw new PositionHeldError(agent.name);
        // Trades, log entries and decisions go with it (ON DELETE CASCADE), in this transaction.
        await agentStore.deleteRow(em, agentId);
      });
      refs.delete(agentId);
    },

    async ref(agentId) {
      const cached = refs.get(agentId);
      if (cached) return cached;
      if (!isUuid(agentId)) return undefined;
      const ref = await agentStore.ownerAndName(orm, agentId);
      if (!ref) return undefined;
      rememberBounded(refs, agentId, ref, MAX_CACHED_REFS);
      return ref;
    },

    forget(agentId) {
      refs.delete(agentId);
    },
  };
}
