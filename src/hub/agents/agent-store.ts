/**
 * The door to the `agents` table: every query the hub makes on agent rows lives here (records for
 * the directory, quotas and lifecycle; the columns health, ingest, the LLM gateway and agent
 * credentials read or bump), so a reader finds them in one place and a test
 * (test/hub/agents/agent-store.test.ts) pins each raw one. Two column groups have a door of their
 * own: `port` is written by the port allocator (it holds the port lock), and the position the
 * broker keeps under its order lock goes through position-store.ts.
 *
 * Queries that are part of a caller's transaction or unit of work take its `em`; the others take
 * the `orm` and run on their own. Every query an owner makes is scoped by owner; the lifecycle's
 * reads by id come after such a scoped lookup (or from the runtime, which knows only ids).
 */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AgentSchema, type Agent, type AgentStatus } from '../../db/entities/index.js';
import type { Orm } from '../../db/orm.js';
import type { TpSlLevels } from '../../shared/tp-sl-levels.js';
import type { AgentInput } from './agent-input.js';

const fork = (orm: Orm): EntityManager => orm.em.fork() as EntityManager;

// ─── Owner-scoped records (the directory) ────────────────────────────────────────────────────

export function findOwned(em: EntityManager, ownerId: string, agentId: string): Promise<Agent | null> {
  return em.findOne(AgentSchema, { id: agentId, owner: ownerId });
}

/** Ids of the owner's agents named `needle` (case-insensitive) or, when `byPrefix`, whose id starts with it. */
export async function idsByNameOrPrefix(em: EntityManager, ownerId: string, needle: string, byPrefix: boolean): Promise<string[]> {
  const rows: Array<{ id: string }> = await em
    .getConnection()
    .execute(`select id from agents where owner_id = ? and (lower(name) = lower(?) or (? and id::text like ?))`, [
      ownerId,
      needle,
      byPrefix,
      `${needle.toLowerCase().replace(/[%_\\]/g, '')}%`,
    ]);
  return rows.map((r) => r.id);
}

export function findOwnedByIds(em: EntityManager, ownerId: string, ids: string[]): Promise<Agent[]> {
  return ids.length ? em.find(AgentSchema, { id: { $in: ids }, owner: ownerId }) : Promise.resolve([]);
}

/** True when another agent of the owner (not `exceptId`) is named `name`. */
export async function nameTaken(em: EntityManager, ownerId: string, name: string, exceptId?: string): Promise<boolean> {
  return (await em.findOne(AgentSchema, { owner: ownerId, name, ...(exceptId ? { id: { $ne: exceptId } } : {}) })) !== null;
}

/** A new agent in status `created`, persisted when the caller's transaction commits. */
export function createOwned(em: EntityManager, ownerId: string, input: AgentInput): Agent {
  return em.create(AgentSchema, { ...input, owner: ownerId, status: 'created' });
}

export function listOwned(orm: Orm, ownerId: string): Promise<Agent[]> {
  // A read for views: untracked entities cost a third less to load (the list is the dashboard's hottest read).
  return fork(orm).find(AgentSchema, { owner: ownerId }, { orderBy: { createdAt: 'asc' }, disableIdentityMap: true });
}

/** The owner's agent with its row locked until the transaction of `em` ends (the broker's order lock). */
export function lockOwned(em: EntityManager, ownerId: string, agentId: string): Promise<Agent | null> {
  return em.findOne(AgentSchema, { id: agentId, owner: ownerId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/**
 * Pauses (or un-pauses) the owner's agent; false when it was so already or is not theirs. One
 * UPDATE: it waits for an order admission holding the row lock, and every admission after it
 * sees the new value (the broker refuses a paused agent's opens).
 */
export async function setPausedOwned(em: EntityManager, ownerId: string, agentId: string, paused: boolean): Promise<boolean> {
  const rows: Array<{ id: string }> = await em
    .getConnection()
    .execute('update agents set paused = ? where id = ? and owner_id = ? and paused <> ? returning id', [paused, agentId, ownerId, paused]);
  return rows.length > 0;
}

/** Deletes the row; its trades, log entries and decisions go with it (ON DELETE CASCADE). */
export async function deleteRow(em: EntityManager, agentId: string): Promise<void> {
  await em.nativeDelete(AgentSchema, { id: agentId });
}

/** Owner and name of an agent by id (internal routes resolve each push to its owner). */
export async function ownerAndName(orm: Orm, agentId: string): Promise<{ ownerId: string; name: string } | undefined> {
  const rows: Array<{ owner_id: string; name: string }> = await orm.em
    .getConnection()
    .execute('select owner_id, name from agents where id = ?', [agentId]);
  return rows[0] ? { ownerId: rows[0].owner_id, name: rows[0].name } : undefined;
}

/**
 * Stores new TP/SL levels of the open position `tradeId`, so the next `/start` hands them back.
 * One statement guarded by the trade id: a position the broker closed or replaced meanwhile (it
 * writes under a row lock) is left as it is.
 */
export async function moveStoredLevels(em: EntityManager, agentId: string, levels: TpSlLevels, tradeId: string): Promise<void> {
  await em
    .getConnection()
    .execute(`update agents set position = position || ?::jsonb where id = ? and position->>'tradeId' = ?`, [
      JSON.stringify(levels),
      agentId,
      tradeId,
    ]);
}

// ─── Quotas (run under the owner's lock, in the caller's transaction) ────────────────────────

/** Statuses that hold a runtime slot (and a port). */
const ACTIVE_STATUSES = `('starting', 'running', 'stopping')`;

/** The owner's agents (only those holding a runtime slot when `activeOnly`), not counting `exceptId`. */
export async function countOwned(em: EntityManager, ownerId: string, activeOnly: boolean, exceptId?: string): Promise<number> {
  const rows = await em.execute<Array<{ n: number }>>(
    `select count(*)::int as n from agents where owner_id = ?${activeOnly ? ` and status in ${ACTIVE_STATUSES}` : ''}${exceptId ? ' and id <> ?' : ''}`,
    exceptId ? [ownerId, exceptId] : [ownerId],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Marks the owner's agent `starting` (it now counts as holding a running slot). */
export async function markStarting(em: EntityManager, ownerId: string, agentId: string): Promise<void> {
  await em.execute(`update agents set status = 'starting', status_reason = null where id = ? and owner_id = ?`, [agentId, ownerId]);
}

// ─── By id (the lifecycle: its ids come from an owner-scoped lookup or the runtime) ──────────

export function findById(orm: Orm, agentId: string): Promise<Agent | null> {
  return fork(orm).findOne(AgentSchema, { id: agentId });
}

export function getById(orm: Orm, agentId: string): Promise<Agent> {
  return fork(orm).findOneOrFail(AgentSchema, { id: agentId });
}

/** Writes `fields` on the agent's row and returns the row as it is now. */
export async function updateById(orm: Orm, agentId: string, fields: Partial<Agent>): Promise<Agent> {
  const em = fork(orm);
  const agent = await em.findOneOrFail(AgentSchema, { id: agentId });
  Object.assign(agent, fields);
  await em.flush();
  return agent;
}

/** Every agent (of any owner) in one of `statuses`: what a booting hub expects the runtime to run. */
export function listInStatuses(orm: Orm, statuses: AgentStatus[]): Promise<Agent[]> {
  return fork(orm).find(AgentSchema, { status: { $in: statuses } });
}

/** Which of `ids` are agents in this database. */
export async function existingIds(orm: Orm, ids: string[]): Promise<Set<string>> {
  return new Set(ids.length ? (await fork(orm).find(AgentSchema, { id: { $in: ids } }, { fields: ['id'] })).map((a) => a.id) : []);
}

// ─── Columns other hub parts own the meaning of ──────────────────────────────────────────────

/** How many agents (of every owner) are in each status, for the health report. */
export async function countByStatus(orm: Orm): Promise<Array<{ status: string; n: number }>> {
  const rows: Array<{ status: string; n: string | number }> = await orm.em
    .fork()
    .getConnection()
    .execute('select status, count(*) as n from agents group by status');
  return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
}

/** One agent's latest status push, as the ingest flusher writes it. */
export interface StatusRow {
  id: string;
  price: number | null;
  upnl: number;
  strategy: string | null;
  action: string | null;
  ts: string;
}

/**
 * One statement for all rows; they travel as one JSON parameter (the driver would expand arrays).
 * A row older than the stored status is skipped: with two hub replicas an agent that failed over
 * may have its newer status written by the other one first.
 */
export async function writeStatusRows(orm: Orm, rows: StatusRow[]): Promise<void> {
  await orm.em.getConnection().execute(
    `update agents a set last_price = v.price, unrealized_pnl = v.upnl, active_strategy = coalesce(v.strategy, a.active_strategy),
         last_action = coalesce(v.action, a.last_action), last_status_at = v.ts
       from jsonb_to_recordset(?::jsonb) as v(id uuid, price float8, upnl float8, strategy text, action text, ts timestamptz)
       where a.id = v.id and (a.last_status_at is null or a.last_status_at <= v.ts)`,
    [JSON.stringify(rows)],
  );
}

/** Owner, LLM provider and model of an agent, as stored (undefined: no such agent). */
export async function llmSettings(
  orm: Orm,
  agentId: string,
): Promise<{ ownerId: string; provider: string | null; model: string | null } | undefined> {
  const rows: Array<{ owner_id: string; llm_provider: string | null; llm_model: string | null }> = await orm.em
    .getConnection()
    .execute('select owner_id, llm_provider, llm_model from agents where id = ?', [agentId]);
  const row = rows[0];
  return row ? { ownerId: row.owner_id, provider: row.llm_provider, model: row.llm_model } : undefined;
}

/** Adds to the agent's LLM token counters: one atomic increment (`col = col + ?`), so concurrent calls never lose a count. */
export async function addLlmTokens(
  orm: Orm,
  agentId: string,
  ownerId: string,
  promptTokens: number,
  completionTokens: number,
): Promise<void> {
  await orm.em
    .getConnection()
    .execute(
      'update agents set llm_prompt_tokens = llm_prompt_tokens + ?, llm_completion_tokens = llm_completion_tokens + ? where id = ? and owner_id = ?',
      [promptTokens, completionTokens, agentId, ownerId],
    );
}

/** The name of the owner's agent (undefined: not theirs or gone). */
export async function nameOf(orm: Orm, ownerId: string, agentId: string): Promise<string | undefined> {
  const rows: Array<{ name: string }> = await orm.em
    .getConnection()
    .execute('select name from agents where id = ? and owner_id = ?', [agentId, ownerId]);
  return rows[0]?.name;
}

/** The agent's current token generation (undefined: no such agent). */
export async function tokenGeneration(orm: Orm, agentId: string): Promise<number | undefined> {
  const rows: Array<{ token_generation: number }> = await orm.em
    .getConnection()
    .execute('select token_generation from agents where id = ?', [agentId]);
  return rows[0]?.token_generation;
}

/** Starts the agent's next token generation and returns it (undefined: no such agent). */
export async function bumpTokenGeneration(orm: Orm, agentId: string): Promise<number | undefined> {
  const rows: Array<{ token_generation: number }> = await orm.em
    .getConnection()
    .execute('update agents set token_generation = token_generation + 1 where id = ? returning token_generation', [agentId]);
  return rows[0]?.token_generation;
}

// ─── Analytics: capital and the leaderboard opt-in ───────────────────────────────────────────

/** Sum of `amount_usdt` (USDT) of the owner's agents, or of agent `agentId` only; 0 when none. */
export async function capitalOfOwned(orm: Orm, ownerId: string, agentId?: string): Promise<number> {
  const rows: Array<{ capital: number | string | null }> = await orm.em
    .getConnection()
    .execute(
      `select coalesce(sum(amount_usdt), 0) as capital from agents where owner_id = ?${agentId ? ' and id = ?' : ''}`,
      agentId ? [ownerId, agentId] : [ownerId],
    );
  return Number(rows[0]?.capital ?? 0);
}

/** Sets the owner's agent's leaderboard opt-in; false when the owner has no such agent. */
export async function setLeaderboardOptIn(orm: Orm, ownerId: string, agentId: string, optIn: boolean): Promise<boolean> {
  const rows: Array<{ id: string }> = await orm.em
    .getConnection()
    .execute('update agents set leaderboard_opt_in = ? where id = ? and owner_id = ? returning id', [optIn, agentId, ownerId]);
  return rows.length > 0;
}

/** Opts every agent of the owner out of the leaderboard; the names of those that were in. */
export async function optOutAllOwned(orm: Orm, ownerId: string): Promise<string[]> {
  const rows: Array<{ name: string }> = await orm.em
    .getConnection()
    .execute('update agents set leaderboard_opt_in = false where owner_id = ? and leaderboard_opt_in returning name', [ownerId]);
  return rows.map((r) => r.name).sort();
}

/** The agents on the leaderboard: opted in and trading paper. Never their owners. */
export async function leaderboardEntrants(orm: Orm): Promise<Array<{ id: string; name: string; amountUsdt: number }>> {
  const rows: Array<{ id: string; name: string; amount_usdt: number }> = await orm.em
    .getConnection()
    .execute('select id, name, amount_usdt from agents where leaderboard_opt_in and not live_mode order by id');
  return rows.map((r) => ({ id: r.id, name: r.name, amountUsdt: Number(r.amount_usdt) }));
}
