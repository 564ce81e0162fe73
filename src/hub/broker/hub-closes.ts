/**
 * Trades the hub closed itself while their agent may still be running (a force exit, an owner's
 * close, a liquidation), remembered so that the agent, still pushing the trade as its position,
 * hears in its next status ack that the hub closed it (`StatusAck.closedTradeId`); it then asks
 * for the close by trade id and gets the stored one, and opens nothing in that tick.
 *
 * Open paper positions are also known by the open-positions book (rebuilt at boot); a live one is
 * known only here, in memory: after a hub restart its agent learns of the close at its next close
 * of the trade (TP/SL, supervisor, signal, stop), which the broker answers with the stored close,
 * never a second fill.
 *
 * With several hubs on one database the agent may push to another replica than the one that
 * closed: every replica also remembers the hub closes of the others, from their `trade.closed`
 * events (reason a liquidation, an owner's close or a force exit).
 */
import { LIQUIDATION_REASON } from '../../shared/liquidation.js';
import { rememberBounded } from '../bounded-map.js';
import type { HubEvents } from '../events.js';
import { FORCE_EXIT_REASON, OWNER_CLOSE_REASON } from './order-rules.js';

/** The close reasons of the hub's own closes (as `trade.closed` carries them). */
const HUB_CLOSE_REASONS: ReadonlySet<string> = new Set([LIQUIDATION_REASON, OWNER_CLOSE_REASON, FORCE_EXIT_REASON]);

/** Enough for every hub close of a busy hub between two pushes of its agents. */
const MAX_REMEMBERED = 10_000;

export interface HubCloses {
  /** The hub has closed trade `tradeId`. */
  remember(tradeId: string): void;
  /** True when the hub closed `tradeId` (and still remembers it). */
  has(tradeId: string): boolean;
}

export function createHubCloses(options: { events?: Pick<HubEvents, 'on'>; max?: number } = {}): HubCloses {
  const max = options.max ?? MAX_REMEMBERED;
  const closed = new Map<string, true>();
  // Cluster-wide: a close by another replica must reach the ack this one gives.
  options.events?.on('trade.closed', ({ tradeId, reason }) => {
    if (HUB_CLOSE_REASONS.has(reason)) rememberBounded(closed, tradeId, true, max);
  });
  return {
    remember: (tradeId) => rememberBounded(closed, tradeId, true, max),
    has: (tradeId) => closed.has(tradeId),
  };
}
