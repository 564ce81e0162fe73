/**
 * One agent: controls, position, price chart with trades and levels, equity curve, trades and
 * the live log. `agent.status` messages move price, PnL and position live; lifecycle and trade
 * messages of this agent refetch it (and its trades, candles and equity). The chart's lines follow
 * the live position.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { positionLevels } from '../../../src/shared/tp-sl-levels.js';
import type { AgentCandles, AgentDetail, EquityCurve, WsAgentStatusMessage } from '../../../src/shared/wire.js';
import { AgentControls } from '../components/agent-controls.js';
import { EquityChart } from '../components/equity-chart.js';
import { LogTail } from '../components/log-tail.js';
import { PositionCard } from '../components/position-card.js';
import { PriceChart } from '../components/price-chart.js';
import { StatusBadge } from '../components/status-badge.js';
import { TradesTable } from '../components/trades-table.js';
import { agentIdOf, useApp, useLive, useLoad } from '../context.js';
import { navigate } from '../router.js';
import { S } from '../strings.js';

export function AgentPage({ id }: { id: string }) {
  const { api } = useApp();
  const [version, setVersion] = useState(0);
  const loaded = useLoad(() => api.get<AgentDetail>(`/agents/${id}`), [api, id, version]);
  const candles = useLoad(() => api.get<AgentCandles>(`/agents/${id}/candles`, { limit: 300 }), [api, id, version]);
  const equity = useLoad(() => api.get<EquityCurve>(`/agents/${id}/equity`), [api, id, version]);
  const [agent, setAgent] = useState<AgentDetail | undefined>(undefined);
  useEffect(() => setAgent(loaded.data), [loaded.data]);

  useLive(
    (message) => {
      if (message.type === 'reconnected') return setVersion((v) => v + 1);
      if (agentIdOf(message) !== id || message.type === 'agent.log') return;
      if (message.type === 'agent.status') {
        const { status } = (message as WsAgentStatusMessage).data;
        setAgent(
          (a) =>
            a && {
              ...a,
              price: status.price,
              position: status.position,
              unrealizedPnl: status.unrealizedPnl,
              realizedPnl: status.realizedPnl,
              lastAction: status.lastAction,
              activeStrategy: status.strategy,
            },
        );
      } else if (message.type.startsWith('agent.') || message.type.startsWith('trade.')) {
        setVersion((v) => v + 1);
      }
    },
    [id],
  );

  // From the live position (status messages move it), not the levels of the first load.
  const levels = useMemo(() => positionLevels(agent?.position ?? null), [agent?.position]);

  if (!agent) {
    return (
      <section>{loaded.error ? <p class="error">{S.common.error(loaded.error)}</p> : <p class="muted">{S.common.loading}</p>}</section>
    );
  }
  return (
    <section class="agent-page" data-agent-id={agent.id}>
      <a class="back" href="/app/" onClick={(e) => (e.preventDefault(), navigate({ page: 'agents' }))}>
        {S.common.back}
      </a>
      <h1>
        {agent.name} <StatusBadge status={agent.status} paused={agent.paused} mode={agent.mode} />
      </h1>
      <p class="muted">
        {agent.symbol} · {agent.timeframe}
        {candles.data?.simulated ? ` · ${S.common.simulated}` : ''}
        {agent.statusReason ? ` · ${agent.statusReason}` : ''}
      </p>
      <AgentControls agent={agent} onChanged={setAgent} />
      <section class="card" data-section="chart">
        <h2>{S.agent.chart}</h2>
        <PriceChart data={candles.data} levels={levels} livePrice={agent.price} />
      </section>
      <PositionCard agent={agent} />
      <section class="card" data-section="equity">
        <h2>{S.agent.equity}</h2>
        {equity.data && equity.data.points.length > 1 ? <EquityChart curve={equity.data} /> : <p class="muted">{S.agent.noEquity}</p>}
      </section>
      <TradesTable agentId={agent.id} version={version} />
      <LogTail agentId={agent.id} />
    </section>
  );
}
