/**
 * The rules an order must meet before the broker opens a transaction, and the hub's own orders.
 * Idempotency keys starting with `hub:` are the hub's (its liquidations, its owners' closes);
 * agents may not use them.
 */
import type { Logger } from '../../logger.js';
import { LIQUIDATION_REASON } from '../../shared/liquidation.js';
import { isUuid, UUID_REGEX, type OrderRequest } from '../../shared/wire.js';
import { InvalidOrderError } from './errors.js';

/** The contract's one UUID rule, under the name broker.ts imports. */
export const UUID = UUID_REGEX;
/** Tolerance when comparing a requested margin with the configured amount (float noise). */
export const AMOUNT_EPSILON = 1e-9;
/** Idempotency keys the hub itself uses; refused from agents. */
const HUB_KEY_PREFIX = 'hub:';
const LIQUIDATION_KEY_PREFIX = `${HUB_KEY_PREFIX}liquidation:`;
/** The close reason of a close the owner asked the hub for (stored on the trade, ≤ 64 chars). */
export const OWNER_CLOSE_REASON = 'closed by owner';
/**
 * The close reason of the owner's force exit (/forceexit) of a running agent's position: exactly
 * this text, which the trade statistics class as a force exit (/^force[ _-]?exit/i).
 */
export const FORCE_EXIT_REASON = 'force exit';
/** Why the owner had the hub close a trade. */
export type OwnerCloseReason = typeof OWNER_CLOSE_REASON | typeof FORCE_EXIT_REASON;

/** The hub's close order for liquidating `tradeId`. */
export function liquidationOrder(tradeId: string): OrderRequest {
  return { idempotencyKey: `${LIQUIDATION_KEY_PREFIX}${tradeId}`, action: 'close', reason: LIQUIDATION_REASON, tradeId };
}

/**
 * The hub's market close of `tradeId` for its owner (an agent stopped with the position open, or
 * a force exit). One key per trade, whatever the reason: asked twice, or as a close and a force
 * exit at once, it fills once. A live close sends the key to the exchange as its client order id,
 * so it is `hub:` + the trade id's 32 hex digits: 36 characters of [a-z0-9:], the strictest length
 * and alphabet spot exchanges accept.
 */
export function ownerCloseOrder(tradeId: string, reason: OwnerCloseReason = OWNER_CLOSE_REASON): OrderRequest {
  return { idempotencyKey: `${HUB_KEY_PREFIX}${tradeId.replaceAll('-', '')}`, action: 'close', reason, tradeId };
}

/** True for an order the hub itself placed (its liquidations, its owners' closes). */
export function isHubOrder(order: OrderRequest): boolean {
  return order.idempotencyKey.startsWith(HUB_KEY_PREFIX);
}

/** True for the hub's liquidation of a (paper) trade. */
export function isHubLiquidation(order: OrderRequest): boolean {
  return order.idempotencyKey.startsWith(LIQUIDATION_KEY_PREFIX);
}

function positive(value: number | null | undefined): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** Throws `InvalidOrderError` naming the first field an agent's order gets wrong. */
export function validateOrder(order: OrderRequest): void {
  if (!order.idempotencyKey || order.idempotencyKey.length > 128) throw new InvalidOrderError('idempotencyKey must be 1..128 characters');
  if (isHubOrder(order)) throw new InvalidOrderError(`idempotencyKey must not start with "${HUB_KEY_PREFIX}" (reserved for the hub)`);
  for (const field of ['tpPrice', 'slPrice'] as const) {
    const v = order[field];
    if (v !== undefined && v !== null && !positive(v)) throw new InvalidOrderError(`${field} must be a positive price or null`);
  }
  if (order.tradeId !== undefined && !isUuid(order.tradeId)) throw new InvalidOrderError('tradeId must be a trade id (UUID)');
  if (order.action === 'open') {
    if (order.side !== 'long' && order.side !== 'short') throw new InvalidOrderError('An open needs side "long" or "short"');
    if (order.amountUsdt !== undefined && !positive(order.amountUsdt)) throw new InvalidOrderError('amountUsdt must be a positive amount');
  } else if (order.action !== 'close') {
    throw new InvalidOrderError('action must be "open" or "close"');
  }
}

/**
 * The margin of an open, quote currency: the user's configured amount bounds what an agent may
 * commit. A larger request is clamped, not refused: after the user lowers the amount, a running
 * agent still sends the old one until its restart, and the lower amount is what the user chose.
 */
export function marginOf(configuredUsdt: number, order: OrderRequest, log: Logger): number {
  const margin = order.amountUsdt ?? configuredUsdt;
  if (margin <= configuredUsdt * (1 + AMOUNT_EPSILON)) return margin;
  log.warn({ requested: margin, configured: configuredUsdt }, 'order margin clamped to the configured amount');
  return configuredUsdt;
}
