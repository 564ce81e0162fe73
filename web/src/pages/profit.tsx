/** Profit: the /profit figures over all the user's closed trades, and realised PnL by agent. */
import type { AgentList, ProfitFigures } from '../../../src/shared/wire.js';
import { useApp, useLive, useLoad } from '../context.js';
import { duration, percentOf, pnlClass, signedUsd, usd } from '../format.js';
import { S } from '../strings.js';
import { Figure } from '../components/figure.js';

function factor(value: ProfitFigures['profitFactor']): string {
  if (value === null) return S.common.none;
  return value === 'infinity' ? '∞' : value.toFixed(2);
}

function Figures({ f }: { f: ProfitFigures }) {
  return (
    <div class="figures" data-section="profit-figures">
      <Figure label={S.profit.pnl} value={signedUsd(f.pnl)} tone={pnlClass(f.pnl)} />
      <Figure label={S.profit.roi} value={percentOf(f.roi)} tone={pnlClass(f.roi)} />
      <Figure label={S.profit.trades} value={String(f.trades)} />
      <Figure label={S.profit.winsLosses} value={`${f.wins} / ${f.losses}`} />
      <Figure label={S.profit.winRate} value={percentOf(f.winRate)} />
      <Figure label={S.profit.profitFactor} value={factor(f.profitFactor)} />
      <Figure label={S.profit.expectancy} value={f.expectancy === null ? S.common.none : signedUsd(f.expectancy)} />
      <Figure label={S.profit.avgDuration} value={duration(f.avgDurationMs)} />
      <Figure label={S.profit.fees} value={usd(f.fees)} />
      <Figure label={S.profit.capital} value={usd(f.capital)} />
      <Figure label={S.profit.maxDrawdown} value={`${usd(f.maxDrawdown.amount)} (${percentOf(f.maxDrawdown.pct)})`} />
      {f.best && <Figure label={S.profit.best} value={`${f.best.agentName} ${signedUsd(f.best.pnl)}`} tone="up" />}
      {f.worst && <Figure label={S.profit.worst} value={`${f.worst.agentName} ${signedUsd(f.worst.pnl)}`} tone="down" />}
    </div>
  );
}

export function ProfitPage() {
  const { api } = useApp();
  const figures = useLoad(() => api.get<ProfitFigures>('/profit'), [api]);
  const agents = useLoad(() => api.get<AgentList>('/agents'), [api]);
  useLive(
    (message) => {
      if (message.type === 'trade.closed' || message.type === 'reconnected') {
        figures.reload();
        agents.reload();
      }
    },
    [figures.reload, agents.reload],
  );
  const f = figures.data;
  return (
    <section>
      <h1>{S.profit.title}</h1>
      {figures.error && <p class="error">{S.common.error(figures.error)}</p>}
      {!f && !figures.error && <p class="muted">{S.common.loading}</p>}
      {f && f.trades === 0 && <p class="muted">{S.profit.empty}</p>}
      {f && f.trades > 0 && (
        <section class="card">
          <Figures f={f} />
        </section>
      )}
      {agents.data && agents.data.agents.length > 0 && (
        <section class="card">
          <h2>{S.profit.byAgent}</h2>
          <div class="figures">
            {agents.data.agents.map((a) => (
              <Figure key={a.id} label={a.name} value={signedUsd(a.realizedPnl)} tone={pnlClass(a.realizedPnl)} />
            ))}
          </div>
        </section>
      )}
    </section>
  );
}
