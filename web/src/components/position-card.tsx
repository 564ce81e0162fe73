/** The open position (or "flat") with the agent's live price and PnL. */
import type { AgentDetail } from '../../../src/shared/wire.js';
import { pnlClass, price, qty, signedUsd, usd } from '../format.js';
import { S } from '../strings.js';
import { Figure } from './figure.js';

export function PositionCard({ agent }: { agent: AgentDetail }) {
  const p = agent.position;
  return (
    <section class="card" data-section="position">
      <h2>{S.agent.position}</h2>
      <div class="figures">
        <Figure label={S.agent.mark} value={price(agent.price)} />
        <Figure label={S.agent.realized} value={signedUsd(agent.realizedPnl)} tone={pnlClass(agent.realizedPnl)} />
        {p && <Figure label={S.agent.unrealized} value={signedUsd(agent.unrealizedPnl)} tone={pnlClass(agent.unrealizedPnl)} />}
        {p && <Figure label={S.agent.side} value={`${p.side} ×${p.leverage}`} tone={p.side === 'long' ? 'up' : 'down'} />}
        {p && <Figure label={S.agent.qty} value={qty(p.qty)} />}
        {p && <Figure label={S.agent.entry} value={price(p.entryPrice)} />}
        {p && <Figure label={S.agent.margin} value={usd(p.margin)} />}
        {p && <Figure label={S.agent.tp} value={price(p.tpPrice)} />}
        {p && <Figure label={S.agent.sl} value={price(p.slPrice)} />}
        {p && <Figure label={S.agent.liquidation} value={price(p.liquidationPrice)} />}
        <Figure label={S.agent.strategy} value={agent.activeStrategy ?? agent.strategy ?? S.common.none} />
      </div>
      {!p && <p class="muted">{S.agent.flat}</p>}
      {agent.lastAction && (
        <p class="muted small">
          {S.agent.lastAction}: {agent.lastAction}
        </p>
      )}
    </section>
  );
}
