/** The agent's trades, newest first, a page at a time. `version` changes when a trade opens or closes. */
import { useState } from 'preact/hooks';
import { TRADES_PAGE_LIMITS } from '../../../src/shared/contract/api-data.js';
import type { TradesPage } from '../../../src/shared/wire.js';
import { useApp, useLoad } from '../context.js';
import { dateTime, pnlClass, price, signedUsd } from '../format.js';
import { S } from '../strings.js';

export function TradesTable({ agentId, version }: { agentId: string; version: number }) {
  const { api } = useApp();
  const [page, setPage] = useState(0);
  const loaded = useLoad(
    () => api.get<TradesPage>(`/agents/${agentId}/trades`, { page, pageSize: TRADES_PAGE_LIMITS.defaultPageSize }),
    [api, agentId, page, version],
  );
  const data = loaded.data;
  return (
    <section class="card" data-section="trades">
      <h2>{S.trades.title}</h2>
      {loaded.error && <p class="error">{S.common.error(loaded.error)}</p>}
      {data?.total === 0 && <p class="muted">{S.trades.empty}</p>}
      {data && data.total > 0 && (
        <>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{S.trades.opened}</th>
                  <th>{S.trades.side}</th>
                  <th class="num">{S.trades.entry}</th>
                  <th class="num">{S.trades.exit}</th>
                  <th class="num">{S.trades.pnl}</th>
                  <th>{S.trades.reason}</th>
                </tr>
              </thead>
              <tbody>
                {data.trades.map((trade) => (
                  <tr key={trade.id}>
                    <td>{dateTime(trade.openedAt)}</td>
                    <td class={trade.side === 'long' ? 'up' : 'down'}>{trade.side}</td>
                    <td class="num">{price(trade.entryPrice)}</td>
                    <td class="num">{price(trade.exitPrice)}</td>
                    <td class={`num ${pnlClass(trade.pnl)}`}>{trade.pnl === null ? S.trades.open : signedUsd(trade.pnl)}</td>
                    <td class="muted">{trade.closeReason ?? S.common.none}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="pager">
            <button disabled={data.page === 0} onClick={() => setPage(data.page - 1)}>
              {S.trades.previous}
            </button>
            <span class="muted">{S.trades.page(data.page + 1, data.pages, data.total)}</span>
            <button disabled={data.page + 1 >= data.pages} onClick={() => setPage(data.page + 1)}>
              {S.trades.next}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
