/**
 * The agents table's door for position state: the row lock that admits one agent's orders and
 * decisions one at a time, the venue read before it, the `position` / `lastPrice` /
 * `unrealizedPnl` / `realizedPnl` columns a fill writes, and the boot-time list of agents holding
 * a position. The broker (src/hub/broker) and its decision recorder go through here; the rest of
 * the agents table has its own door.
 *
 * Every function runs in the EntityManager it is given, so inside the order transaction it takes
 * that transaction's. A writer changes the managed entity only: the caller's flush writes it in
 * the caller's transaction, together with the trade row and the chain outbox entry (all or
 * nothing).
 */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AgentSchema, type Agent, type OpenPosition } from '../../db/entities/index.js';

/** The fields that say where an agent's next open trades. */
export type AgentVenue = Pick<Agent, 'symbol' | 'liveMode' | 'sessionLiveMode'>;

/** An agent row that holds a position, with only what the liquidation book needs. */
export type AgentHoldingPosition = Pick<Agent, 'id' | 'symbol' | 'position'>;

/**
 * The agent's row, locked until the caller's transaction ends (`select … for update`): the
 * admission of one agent's orders, the recording of its live fills and its decisions queue on it.
 * Null when the agent does not exist (deleted).
 */
export function lockAgentRow(tx: EntityManager, agentId: string): Promise<Agent | null> {
  return tx.findOne(AgentSchema, { id: agentId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/** The agent's symbol and venue settings, read without a lock (null when it does not exist). */
export function agentVenue(em: EntityManager, agentId: string): Promise<AgentVenue | null> {
  return em.findOne(AgentSchema, { id: agentId }, { fields: ['symbol', 'liveMode', 'sessionLiveMode'] });
}

/** Every agent whose row holds a position (paper or live). */
export function agentsHoldingPositions(em: EntityManager): Promise<AgentHoldingPosition[]> {
  return em.find(AgentSchema, { position: { $ne: null } }, { fields: ['id', 'symbol', 'position'] });
}

/** The agent's row when it holds a position (null when it holds none, or does not exist). */
export function agentHoldingPosition(em: EntityManager, agentId: string): Promise<AgentHoldingPosition | null> {
  return em.findOne(AgentSchema, { id: agentId, position: { $ne: null } }, { fields: ['id', 'symbol', 'position'] });
}

/** The agent now holds `position`, filled with the market at `marketPrice` (quote per base unit). */
export function holdPosition(agent: Agent, position: OpenPosition, marketPrice: number): void {
  agent.position = position;
  agent.lastPrice = marketPrice;
  agent.unrealizedPnl = 0;
}

/**
 * The agent's position is closed with `pnl` realised (quote currency, net of fees); `marketPrice`
 * is the market price seen, or null when none was looked up (the last price stays).
 */
export function releasePosition(agent: Agent, pnl: number, marketPrice: number | null): void {
  agent.position = null;
  agent.realizedPnl = agent.realizedPnl + pnl;
  if (marketPrice !== null) agent.lastPrice = marketPrice;
  agent.unrealizedPnl = 0;
}

/**
 * Moves the open position's take-profit / stop-loss (quote per base unit): a level left undefined
 * keeps its value, `null` clears it. Nothing happens when the agent is flat.
 */
export function moveTpSl(agent: Agent, levels: { tpPrice?: number | null; slPrice?: number | null }): void {
  if (!agent.position) return;
  const next: OpenPosition = { ...agent.position };
  if (levels.tpPrice !== undefined) next.tpPrice = levels.tpPrice;
  if (levels.slPrice !== undefined) next.slPrice = levels.slPrice;
  agent.position = next;
}
