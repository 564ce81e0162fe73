/**
 * The trader's view of their trades: pages of the list (/trades), one trade with the decision
 * behind it and its on-chain proof (/trade), and every trade for an export (/export). Plain JSON
 * out, never ORM entities; every read is scoped to the owner through the doors of `trades`,
 * `decisions` and `chain_outbox`, so another user's trade answers exactly like a missing one.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Trade } from '../../db/entities/index.js';
import type { Orm } from '../../db/orm.js';
import type { PositionSide } from '../../shared/wire.js';
import { latestDecisionAtOrBefore } from '../broker/decisions.js';
import { ownerTradesByIdPrefix, ownerTradesForExport, ownerTradesPage, type OwnerTradeScope } from '../broker/trades.js';
import { explorerTxUrl } from '../chain/networks.js';
import { sentTradeEntries } from '../chain/outbox.js';
import { HubError } from '../errors.js';
import { tradeWhyRecord, type LlmCostOf, type TradeWhyRecord } from './trade-why.js';

/** A trade as the views show it. Prices in quote currency, qty in base units, fees and PnL (net of fees) in quote currency. */
export interface TradeView {
  id: string;
  /** First 8 characters of the id; what /trade takes. */
  shortId: string;
  agentId: string;
  agentName: string;
  symbol: string;
  side: PositionSide;
  status: 'open' | 'closed';
  qty: number;
  leverage: number;
  /** Margin committed, quote currency. */
  margin: number;
  entryPrice: number;
  exitPrice: number | null;
  liquidationPrice: number | null;
  fees: number;
  pnl: number | null;
  closeReason: string | null;
  live: boolean;
  /** ISO 8601, UTC. */
  openedAt: string;
  closedAt: string | null;
}

/** One page of the owner's trades, newest first. */
export interface TradePage {
  trades: TradeView[];
  /** How many trades the scope holds in all. */
  total: number;
  /** 0-based page shown (clamped to the last page when the asked one no longer exists). */
  page: number;
  pageSize: number;
  /** Number of pages (at least 1, even with no trades). */
  pages: number;
}

/** The decision an agent made last before it opened a trade. */
export interface TradeDecisionView {
  action: string;
  strategy: string | null;
  /** 0..1 */
  confidence: number;
  reasoning: string;
  /** ISO 8601, UTC. */
  createdAt: string;
}

/** A confirmed chain entry of the trade; `explorerUrl` is undefined on chains without a known explorer. */
export interface TradeChainEntryView {
  event: 'open' | 'close';
  txHash: string;
  explorerUrl: string | undefined;
}

export interface TradeDetailView extends TradeView {
  decision: TradeDecisionView | null;
  chain: TradeChainEntryView[];
}

/** The newest trades an export holds at most (a bound on memory and on the document's size). */
export const EXPORT_MAX_TRADES = 100_000;

/** The shortest id prefix /trade accepts (the short id /trades shows). */
export const TRADE_ID_MIN_PREFIX = 8;

export class TradeNotFoundError extends HubError {
  override name = 'TradeNotFoundError';
  constructor(ref: string) {
    super(`No trade matches "${ref}"`, `No trade matches "${ref}". Send /trades to see yours.`);
  }
}

export class AmbiguousTradeError extends HubError {
  override name = 'AmbiguousTradeError';
  constructor(ref: string) {
    super(`"${ref}" matches several trades`, `"${ref}" matches several of your trades. Type more of its id (up to the full id).`);
  }
}

export interface TradeHistory {
  /** Page `page` (0-based) of `pageSize` trades, newest opened first. */
  page(scope: OwnerTradeScope, page: number, pageSize: number): Promise<TradePage>;
  /**
   * One of the owner's trades by its full id or a unique prefix of at least TRADE_ID_MIN_PREFIX
   * characters. Throws `TradeNotFoundError` (also for another user's trade) or `AmbiguousTradeError`.
   */
  detail(ownerId: string, ref: string): Promise<TradeDetailView>;
  /** The decision record behind one of the owner's trades ("Why?"); found and refused like `detail`. */
  why(ownerId: string, ref: string): Promise<TradeWhyView>;
  /** The owner's trades (newest EXPORT_MAX_TRADES), oldest opened first, and how many exist in all. */
  exportTrades(scope: OwnerTradeScope): Promise<{ trades: TradeView[]; total: number }>;
}

export interface TradeHistoryDeps {
  orm: Orm;
  /** Chain id the trades are logged on (explorer links). */
  chainId: number;
  /** Prices an LLM call in USD (Why?); without it costs are unknown (null). */
  costOf?: LlmCostOf;
}

/** A trade and the decision record behind it. */
export interface TradeWhyView extends TradeWhyRecord {
  trade: TradeView;
}

/** The view of a trade row whose agent is populated. */
export function toTradeView(t: Trade): TradeView {
  return {
    id: t.id,
    shortId: t.id.slice(0, 8),
    agentId: t.agent.id,
    agentName: t.agent.name,
    symbol: t.agent.symbol,
    side: t.side,
    status: t.status,
    qty: t.qty,
    leverage: t.leverage,
    margin: t.margin,
    entryPrice: t.entryPrice,
    exitPrice: t.exitPrice ?? null,
    liquidationPrice: t.liquidationPrice ?? null,
    fees: t.fees,
    pnl: t.pnl ?? null,
    closeReason: t.closeReason ?? null,
    live: t.live,
    openedAt: t.openedAt.toISOString(),
    closedAt: t.closedAt ? t.closedAt.toISOString() : null,
  };
}

export function createTradeHistory(deps: TradeHistoryDeps): TradeHistory {
  const fork = (): EntityManager => deps.orm.em.fork() as EntityManager;

  async function findOne(em: EntityManager, ownerId: string, ref: string): Promise<Trade> {
    const needle = ref.trim().toLowerCase();
    if (!/^[0-9a-f-]+$/.test(needle) || needle.length < TRADE_ID_MIN_PREFIX) throw new TradeNotFoundError(ref);
    const found = await ownerTradesByIdPrefix(em, ownerId, needle, 2);
    const exact = found.find((t) => t.id === needle);
    if (exact) return exact;
    if (found.length > 1) throw new AmbiguousTradeError(ref);
    if (!found[0]) throw new TradeNotFoundError(ref);
    return found[0];
  }

  return {
    async page(scope, page, size) {
      const em = fork();
      const pageSize = Math.max(1, Math.floor(size));
      let shown = Math.max(0, page);
      let result = await ownerTradesPage(em, scope, { offset: shown * pageSize, limit: pageSize });
      const pages = Math.max(1, Math.ceil(result.total / pageSize));
      if (shown >= pages) {
        // Fewer trades than when the page was asked for (an agent was deleted): its last page.
        shown = pages - 1;
        result = await ownerTradesPage(em, scope, { offset: shown * pageSize, limit: pageSize });
      }
      return { trades: result.trades.map(toTradeView), total: result.total, page: shown, pageSize, pages };
    },

    async detail(ownerId, ref) {
      const em = fork();
      const trade = await findOne(em, ownerId, ref);
      const decision = await latestDecisionAtOrBefore(em, trade.agent.id, trade.openedAt);
      const chain = await sentTradeEntries(em, trade.agent.id, trade.id);
      return {
        ...toTradeView(trade),
        decision: decision && {
          action: decision.action,
          strategy: decision.strategy ?? null,
          confidence: decision.confidence,
          reasoning: decision.reasoning,
          createdAt: decision.createdAt.toISOString(),
        },
        chain: chain.map((e) => ({ event: e.event, txHash: e.txHash, explorerUrl: explorerTxUrl(deps.chainId, e.txHash) })),
      };
    },

    async why(ownerId, ref) {
      const em = fork();
      const trade = await findOne(em, ownerId, ref);
      return { trade: toTradeView(trade), ...(await tradeWhyRecord(em, trade, deps.costOf ?? (() => null))) };
    },

    async exportTrades(scope) {
      const { trades, total } = await ownerTradesForExport(fork(), scope, EXPORT_MAX_TRADES);
      return { trades: trades.map(toTradeView), total };
    },
  };
}
