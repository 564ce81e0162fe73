/**
 * Per-user agent quotas: MAX_AGENTS_PER_USER (agents on record) and MAX_RUNNING_AGENTS_PER_USER
 * (agents starting, running or stopping); admins are exempt. Without them one user could take
 * the port pool, the host's memory, the Twelve Data credits and the chain logger's gas.
 *
 * A check and the write it guards share one transaction that first locks the owner's user row
 * (`select … for update`): creations and starts of one owner queue on that lock, so two requests
 * at the limit never both pass, and a refusal leaves nothing behind.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../../db/orm.js';
import { HubError } from '../errors.js';
import * as agentStore from './agent-store.js';

export interface AgentQuotas {
  maxAgents: number;
  maxRunning: number;
  /** Admins: no quota. */
  isExempt(ownerId: string): Promise<boolean>;
}

export class QuotaExceededError extends HubError {
  override name = 'QuotaExceededError';
  constructor(
    readonly quota: 'agents' | 'running',
    readonly limit: number,
  ) {
    super(
      `${quota} quota of ${limit} reached`,
      quota === 'agents'
        ? `You have ${limit} agent${limit === 1 ? '' : 's'}, the most this server allows one user. Delete one (/delete) to make room.`
        : `${limit} of your agents ${limit === 1 ? 'is' : 'are'} running, the most this server allows one user at once. Stop one (/stop) first.`,
    );
  }
}

/** Serialises the owner's quota-guarded writes until the transaction of `em` ends. */
export async function lockOwner(em: EntityManager, ownerId: string): Promise<void> {
  await em.execute('select id from users where id = ? for update', [ownerId]);
}

/** Throws `QuotaExceededError` when the owner may not have one more agent. Call under `lockOwner`. */
export async function checkAgentCount(em: EntityManager, quotas: AgentQuotas, ownerId: string): Promise<void> {
  if ((await agentStore.countOwned(em, ownerId, false)) >= quotas.maxAgents && !(await quotas.isExempt(ownerId))) {
    throw new QuotaExceededError('agents', quotas.maxAgents);
  }
}

async function checkRunning(em: EntityManager, quotas: AgentQuotas, ownerId: string, exceptId?: string): Promise<void> {
  if ((await agentStore.countOwned(em, ownerId, true, exceptId)) >= quotas.maxRunning && !(await quotas.isExempt(ownerId))) {
    throw new QuotaExceededError('running', quotas.maxRunning);
  }
}

/**
 * Claims a running slot for `agentId`: under the owner's lock, counts the owner's other active
 * agents and marks this one `starting`, so a concurrent start of another agent counts it.
 */
export async function claimRunningSlot(orm: Orm, quotas: AgentQuotas, ownerId: string, agentId: string): Promise<void> {
  await (orm.em.fork() as EntityManager).transactional(async (em) => {
    await lockOwner(em, ownerId);
    await checkRunning(em, quotas, ownerId, agentId);
    await agentStore.markStarting(em, ownerId, agentId);
  });
}

/** Refuses (`QuotaExceededError`) when the owner could neither create nor run one more agent now. */
export async function checkQuotas(orm: Orm, quotas: AgentQuotas, ownerId: string): Promise<void> {
  const em = orm.em.fork() as EntityManager;
  await checkAgentCount(em, quotas, ownerId);
  await checkRunning(em, quotas, ownerId);
}
