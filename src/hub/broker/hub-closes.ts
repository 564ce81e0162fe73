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
 */
import { rememberBounded } from '../bounded-map.js';

/** Enough for every hub close of a busy hub between two pushes of its agents. */
const MAX_REMEMBERED = 10_000;

export interface HubCloses {
  /** The hub has closed trade `tradeId`. */
  remember(tradeId: string): void;
  /** True when the hub closed `tradeId` (and still remembers it). */
  has(tradeId: string): boolean;
}

export function createHubCloses(max = MAX_REMEMBERED): HubCloses {
  const closed = new Map<string, true>();
  return {
    remember: (tradeId) => rememberBounded(closed, tradeId, true, max),
    has: (tradeId) => closed.has(tradeId),
  };
}
