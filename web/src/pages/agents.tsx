/**
 * Agents: the user's agents with status, PnL and position, kept live: `agent.status` messages
 * update price, PnL and position in place; lifecycle and trade messages refetch the list.
 */
import { useEffect, useState } from 'preact/hooks';
import type { AgentList, AgentListItem, WsAgentStatusMessage } from '../../../src/shared/wire.js';
import { StatusBadge } from '../components/status-badge.js';
import { useApp, useLive, useLoad } from '../context.js';
import { price, qty, signedUsd, pnlClass } from '../format.js';
import { navigate } from '../router.js';
import { S } from '../strings.js';

/** The list item with a status message's live fields. */
function withStatus(agent: AgentListItem, status: WsAgentStatusMessage['data']['status']): AgentListItem {
  return {
    ...agent,
    price: status.price,
    position: status.position,
    unrealizedPnl: status.unrealizedPnl,
    realizedPnl: status.realizedPnl,
    activeStrategy: status.strategy,
    updatedAt: status.ts,
  };
}

function AgentRow({ agent }: { agent: AgentListItem }) {
  const pnl = agent.realizedPnl + agent.unrealizedPnl;
  const open = () => navigate({ page: 'agent', id: agent.id });
  return (
    <li class="agent-row" data-agent-id={agent.id} onClick={open}>
      <div class="agent-row-main">
        <span class="agent-name">{agent.name}</span>
        <StatusBadge status={agent.status} paused={agent.paused} mode={agent.mode} />
      </div>
      <div class="agent-row-figures">
        <span class="muted">{agent.symbol}</span>
        <span>
          {S.agents.price} {price(agent.price)}
        </span>
        <span class={pnlClass(pnl)}>
          {S.agents.pnl} {signedUsd(pnl)}
        </span>
        <span class="muted">{agent.position ? S.agents.position(agent.position.side, qty(agent.position.qty)) : S.agents.flat}</span>
      </div>
    </li>
  );
}

export function AgentsPage() {
  const { api, live } = useApp();
  const loaded = useLoad(() => api.get<AgentList>('/agents'), [api]);
  const [agents, setAgents] = useState<AgentListItem[] | undefined>(undefined);
  const [connected, setConnected] = useState(true);
  useEffect(() => setAgents(loaded.data?.agents), [loaded.data]);
  useEffect(() => live.onConnected(setConnected), [live]);

  useLive(
    (message) => {
      if (message.type === 'agent.status') {
        const data = (message as WsAgentStatusMessage).data;
        setAgents((list) => list?.map((agent) => (agent.id === data.agentId ? withStatus(agent, data.status) : agent)));
      } else if (message.type.startsWith('agent.') || message.type.startsWith('trade.') || message.type === 'reconnected') {
        if (message.type !== 'agent.log') loaded.reload();
      }
    },
    [loaded.reload],
  );

  return (
    <section>
      <h1>
        {S.agents.title} <span class={`live-dot ${connected ? 'on' : 'off'}`}>{connected ? S.agents.live : S.agents.offline}</span>
      </h1>
      {loaded.error && !agents && <p class="error">{S.common.error(loaded.error)}</p>}
      {!agents && !loaded.error && <p class="muted">{S.common.loading}</p>}
      {agents?.length === 0 && <p class="muted">{S.agents.empty}</p>}
      <ul class="agent-list">
        {agents?.map((agent) => (
          <AgentRow key={agent.id} agent={agent} />
        ))}
      </ul>
    </section>
  );
}
