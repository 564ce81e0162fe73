/**
 * Bridges the chain worker to the hub events: when a trade's chain entry is confirmed, the hub
 * emits `trade.onchain` for the agent's owner (alerts add the explorer link as a follow-up,
 * the WebSocket stream forwards it). The broker's `trade.opened`/`trade.closed` go out at commit,
 * long before the entry is mined, so they never carry the link themselves.
 *
 * The owner comes from the agent directory's cached `ref`, the agent from the outbox payload.
 * An agent deleted meanwhile has no owner any more: its confirmation is dropped.
 */
import type { Logger } from 'pino';

import type { AgentDirectory } from '../agents/agent-directory.js';
import type { HubEvents, TradeOnChainData } from '../events.js';
import type { ChainEntrySent, ChainLogger } from './chain-logger.js';
import type { TradeRecord } from './encoding.js';

export interface ChainEventsDeps {
  chain: Pick<ChainLogger, 'onSent'>;
  events: Pick<HubEvents, 'emit'>;
  agents: Pick<AgentDirectory, 'ref'>;
  logger?: Pick<Logger, 'debug' | 'error'>;
}

/** Subscribes to confirmed chain entries and emits `trade.onchain`; returns the unsubscribe function. */
export function bridgeChainEvents(deps: ChainEventsDeps): () => void {
  return deps.chain.onSent((sent) => {
    if (sent.kind !== 'trade') return;
    // The worker calls listeners synchronously; the owner lookup runs detached.
    tradeOnChain(sent, deps.agents).then(
      (data) => {
        if (data) deps.events.emit('trade.onchain', data);
        else deps.logger?.debug({ outboxId: sent.outboxId }, 'confirmed trade entry of an unknown agent; no event');
      },
      (err: unknown) => deps.logger?.error({ err, outboxId: sent.outboxId }, 'trade.onchain: owner lookup failed'),
    );
  });
}

/** The `trade.onchain` data of a confirmed trade entry, or null when its agent is gone. */
export async function tradeOnChain(sent: ChainEntrySent, agents: Pick<AgentDirectory, 'ref'>): Promise<TradeOnChainData | null> {
  const record = sent.record as TradeRecord & { detail?: unknown };
  const agentId = String(record.agentId);
  const ref = await agents.ref(agentId);
  if (!ref) return null;
  const [action, side] = record.side.split('_') as ['OPEN' | 'CLOSE', 'LONG' | 'SHORT'];
  return {
    agentId,
    ownerId: ref.ownerId,
    agentName: ref.name,
    tradeId: tradeIdOf(record.detail),
    symbol: record.symbol,
    action: action === 'OPEN' ? 'open' : 'close',
    side: side === 'LONG' ? 'long' : 'short',
    txHash: sent.txHash,
    blockNumber: sent.blockNumber,
    explorerUrl: sent.explorerUrl,
  };
}

/** `tradeId` of the detail JSON the broker stores with the record (trade-detail.ts), if readable. */
function tradeIdOf(detail: unknown): string | null {
  if (typeof detail !== 'string') return null;
  try {
    const parsed = JSON.parse(detail) as { tradeId?: unknown };
    return typeof parsed.tradeId === 'string' ? parsed.tradeId : null;
  } catch {
    return null;
  }
}
