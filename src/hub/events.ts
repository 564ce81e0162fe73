/**
 * Typed events the hub core emits. The WebSocket stream and the Telegram alert sender consume
 * them; the core never knows who listens. Every event names the agent's owner so adapters can
 * route it without a database lookup.
 */
import { EventEmitter } from 'node:events';
import type { AgentStatus, LogEntryWire, PositionSide } from '../shared/wire.js';
import type { BacktestJobStatus } from './backtest/backtest-jobs.js';

interface AgentRef {
  agentId: string;
  ownerId: string;
  agentName: string;
}

export interface TradeEventData extends AgentRef {
  tradeId: string;
  symbol: string;
  side: PositionSide;
  qty: number;
  price: number;
  fees: number;
  /** Realised PnL of the trade (closes only), quote currency, net of fees. */
  pnl: number | null;
  reason: string;
  live: boolean;
  explorerUrl?: string;
}

/** A trade's chain entry was confirmed on HashKey Chain (well after `trade.opened`/`trade.closed`). */
export interface TradeOnChainData extends AgentRef {
  /** Id of the trade row; null for an outbox entry written before its detail carried one. */
  tradeId: string | null;
  symbol: string;
  /** Whether the logged fill opened or closed the position. */
  action: 'open' | 'close';
  side: PositionSide;
  txHash: string;
  blockNumber: number;
  /** Explorer page of the transaction; undefined on chains without a known explorer. */
  explorerUrl: string | undefined;
}

/**
 * Who ended an agent's session: its owner (a stop, /panic or a delete, also through the API), its
 * drawdown limit (the agent stopped itself and the hub's books confirm the session loss limit),
 * or the agent itself for any other reason (an engine error).
 */
export type StopCause = 'owner' | 'drawdown' | 'self';

export interface HubEventMap {
  'agent.status': AgentRef & { status: Omit<AgentStatus, 'agentId'> };
  'agent.log': AgentRef & { entries: LogEntryWire[] };
  'agent.starting': AgentRef;
  'agent.started': AgentRef & { port: number; runtime: string };
  /** `positionOpen`: the agent still holds a position after the stop (it was not closed). */
  'agent.stopped': AgentRef & { reason: string; cause: StopCause; positionOpen: boolean };
  'agent.failed': AgentRef & { reason: string };
  'agent.crashed': AgentRef & { exitCode: number | null; oom: boolean; reason: string; lastLogs: string[]; willRestart: boolean };
  'agent.restarted': AgentRef & { attempt: number; reason: string };
  'agent.deleted': AgentRef;
  'trade.opened': TradeEventData;
  'trade.closed': TradeEventData;
  'trade.onchain': TradeOnChainData;
  'decision.made': AgentRef & { action: string; strategy: string | null; confidence: number; reasoning: string };
  'drawdown.stop': AgentRef & { lossPct: number; limitPct: number };
  'order.error': AgentRef & { message: string; live: boolean };
  /** The owner's daily tokens on the server-wide LLM keys are spent (once per owner and UTC day). */
  'llm.budget_spent': AgentRef & { usedTokens: number; limitTokens: number; resetsAt: string };
  /** The agent's own daily LLM budget (USD) is reached (once per agent and UTC day); it plans with rules until `resetsAt`. */
  'llm.agent_budget_spent': AgentRef & { spentUsd: number; budgetUsd: number; resetsAt: string };
  /** A submitted backtest's state changed (queued, running with progress, done, failed, cancelled). */
  'backtest.job': { ownerId: string; job: BacktestJobStatus };
  /** The owner asked a replica that does not run the backtest to cancel it: the one that runs it does. */
  'backtest.cancel_requested': { ownerId: string; id: string };
  /** An admin denied the user: their agents are stopping; streams of theirs must close. */
  'user.access_revoked': { ownerId: string; reason: string };
}

export type HubEventName = keyof HubEventMap;

/** A listener of every event, with its name. */
export type AnyEventListener = <K extends HubEventName>(name: K, data: HubEventMap[K]) => void;

/**
 * The hub's event bus, for one replica among the hubs on one database (docs/architecture.md,
 * Cluster). An event is emitted on the replica where it happened (its origin) and reaches the
 * others through the event bridge (./cluster/event-bridge.ts), which calls `emitRemote` there.
 * Every subscription says which it wants:
 *
 * - `on` / `onAny` / `waitFor`: every replica's events (cluster-wide). For consumers that serve
 *   connected clients or keep caches: the WebSocket fan-out, cache invalidation, streams closing.
 * - `onLocal` / `onAnyLocal`: only the events of this replica. For consumers with durable side
 *   effects (a row written, an alert queued, a message sent): the origin does it, once.
 */
export class HubEvents {
  /** Events that happened on this replica. */
  private readonly local = new EventEmitter({ captureRejections: false });
  /** Events of every replica: this one's and those the bridge brings. */
  private readonly cluster = new EventEmitter({ captureRejections: false });
  private readonly gapListeners = new Set<() => void>();
  constructor() {
    this.local.setMaxListeners(1000);
    this.cluster.setMaxListeners(1000);
  }

  /** An event that happened on this replica: local listeners first, then cluster-wide ones (the bridge publishes it as a local listener). */
  emit<K extends HubEventName>(name: K, data: HubEventMap[K]): void {
    this.local.emit(name, data);
    this.local.emit('*', name, data);
    this.cluster.emit(name, data);
    this.cluster.emit('*', name, data);
  }

  /** An event another replica emitted (the event bridge): cluster-wide listeners only. */
  emitRemote<K extends HubEventName>(name: K, data: HubEventMap[K]): void {
    this.cluster.emit(name, data);
    this.cluster.emit('*', name, data);
  }

  /** `name` events of every replica (clients, caches). */
  on<K extends HubEventName>(name: K, listener: (data: HubEventMap[K]) => void): () => void {
    this.cluster.on(name, listener);
    return () => this.cluster.off(name, listener);
  }

  /** `name` events of this replica only (durable side effects: the origin acts once). */
  onLocal<K extends HubEventName>(name: K, listener: (data: HubEventMap[K]) => void): () => void {
    this.local.on(name, listener);
    return () => this.local.off(name, listener);
  }

  /** Every event of every replica, with its name (WebSocket fan-out). */
  onAny(listener: AnyEventListener): () => void {
    this.cluster.on('*', listener);
    return () => this.cluster.off('*', listener);
  }

  /** Every event of this replica, with its name (the event bridge publishes them). */
  onAnyLocal(listener: AnyEventListener): () => void {
    this.local.on('*', listener);
    return () => this.local.off('*', listener);
  }

  /**
   * Other replicas' events may have been missed (the bridge's LISTEN session dropped and came
   * back): state kept from them should be re-read from the database.
   */
  remoteGap(): void {
    for (const listener of this.gapListeners) listener();
  }

  onRemoteGap(listener: () => void): () => void {
    this.gapListeners.add(listener);
    return () => this.gapListeners.delete(listener);
  }

  /** Resolves with the first event of `name` (of any replica) that matches `predicate` (tests and flows). */
  waitFor<K extends HubEventName>(
    name: K,
    predicate: (data: HubEventMap[K]) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<HubEventMap[K]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`timed out waiting for ${name}`));
      }, timeoutMs);
      const off = this.on(name, (data) => {
        if (!predicate(data)) return;
        clearTimeout(timer);
        off();
        resolve(data);
      });
    });
  }
}
