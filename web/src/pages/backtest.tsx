/**
 * One backtest's result (`GET /api/v1/backtests/:id`): the summary as a table, the equity curve
 * against buy-and-hold, the trades and the notes that shaped the run. A comparison shows its
 * strategies, best first.
 */
import type { BacktestDetail } from '../../../src/shared/wire.js';
import { BacktestChart } from '../components/backtest-chart.js';
import { useApp, useLoad } from '../context.js';
import { dateTime, duration, pnlClass, price, signedUsd, usd } from '../format.js';
import { navigate } from '../router.js';
import { S } from '../strings.js';

type Run = Extract<BacktestDetail, { kind: 'backtest' }>;
type Summary = Run['result']['summary'];

const pct = (value: number | null) => (value === null ? S.common.none : `${value.toFixed(2)}%`);
const ratio = (value: number | null) => (value === null ? S.common.none : value.toFixed(2));

function SummaryTable({ s }: { s: Summary }) {
  const b = S.backtests;
  const rows: Array<[string, string, string?]> = [
    [b.totalReturn, pct(s.totalReturnPct), pnlClass(s.totalReturnPct)],
    [b.buyHold, pct(s.buyHoldReturnPct), pnlClass(s.buyHoldReturnPct)],
    [b.maxDrawdown, pct(s.maxDrawdownPct)],
    [b.sharpe, ratio(s.sharpe)],
    [b.sortino, ratio(s.sortino)],
    [b.winRate, pct(s.winRatePct)],
    [b.profitFactor, ratio(s.profitFactor)],
    [b.trades, String(s.trades)],
    [b.avgDuration, duration(s.avgDurationMs)],
    [b.exposure, pct(s.exposurePct)],
    [b.fees, usd(s.feesUsdt)],
    [b.liquidations, String(s.liquidations)],
    [b.finalEquity, usd(s.finalEquity)],
  ];
  return (
    <table data-section="backtest-summary">
      <tbody>
        {rows.map(([label, value, tone]) => (
          <tr key={label}>
            <th>{label}</th>
            <td class={`num ${tone ?? ''}`}>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function TradeList({ trades }: { trades: Run['result']['trades'] }) {
  const b = S.backtests;
  if (trades.length === 0) return <p class="muted">{b.noTrades}</p>;
  return (
    <div class="table-wrap">
      <table data-section="backtest-trades">
        <thead>
          <tr>
            <th>{b.opened}</th>
            <th>{b.side}</th>
            <th class="num">{b.entry}</th>
            <th class="num">{b.exit}</th>
            <th class="num">{b.pnl}</th>
            <th>{b.why}</th>
          </tr>
        </thead>
        <tbody>
          {trades.map((t, i) => (
            <tr key={i}>
              <td>{dateTime(t.entryAt)}</td>
              <td class={t.side === 'long' ? 'up' : 'down'}>{t.side}</td>
              <td class="num">{price(t.entryPrice)}</td>
              <td class="num">{price(t.exitPrice)}</td>
              <td class={`num ${pnlClass(t.pnl)}`}>{signedUsd(t.pnl)}</td>
              <td class="muted">{t.exit}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RunView({ run }: { run: Run }) {
  const r = run.result;
  return (
    <>
      <h1>{S.backtests.result(r.params.symbol, r.params.timeframe, r.params.strategy)}</h1>
      <p class="muted">
        {dateTime(r.firstBarAt)} – {dateTime(r.lastBarAt)} · {S.backtests.plan(r.plan.strategy, r.plan.source)}
      </p>
      <p class="muted">{S.backtests.settings(usd(r.params.amountUsdt), r.params.leverage, pct(r.params.tpPct), pct(r.params.slPct))}</p>
      <section class="card">
        <h2>{S.backtests.summary}</h2>
        <SummaryTable s={r.summary} />
      </section>
      <section class="card">
        <h2>{S.backtests.chart}</h2>
        <BacktestChart equity={r.equity} buyHold={r.buyHold} />
      </section>
      <section class="card">
        <h2>{S.backtests.tradeList}</h2>
        <TradeList trades={r.trades} />
      </section>
    </>
  );
}

function ComparisonView({ run }: { run: Extract<BacktestDetail, { kind: 'compare' }> }) {
  const r = run.result;
  return (
    <>
      <h1>{S.backtests.result(r.params.symbol, r.params.timeframe, S.backtests.compare)}</h1>
      <section class="card">
        <h2>{S.backtests.strategies}</h2>
        <table data-section="backtest-summary">
          <tbody>
            {r.rows.map((row) => (
              <tr key={row.strategy}>
                <th>{row.strategy}</th>
                <td class={`num ${pnlClass(row.summary.totalReturnPct)}`}>{pct(row.summary.totalReturnPct)}</td>
                <td class="num">{pct(row.summary.maxDrawdownPct)}</td>
                <td class="num">{row.summary.trades}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}

export function BacktestPage({ id }: { id: string }) {
  const { api } = useApp();
  const loaded = useLoad(() => api.get<BacktestDetail>(`/backtests/${id}`), [api, id]);
  const run = loaded.data;
  return (
    <section class="backtest-page" data-backtest-id={id}>
      <a
        href="/app/backtests"
        onClick={(e) => {
          e.preventDefault();
          navigate({ page: 'backtests' });
        }}
      >
        {S.backtests.back}
      </a>
      {loaded.error && <p class="error">{S.common.error(loaded.error)}</p>}
      {!run && !loaded.error && <p class="muted">{S.common.loading}</p>}
      {run?.kind === 'backtest' && <RunView run={run} />}
      {run?.kind === 'compare' && <ComparisonView run={run} />}
      {run && run.notes.length > 0 && (
        <section class="card" data-section="backtest-notes">
          <h2>{S.backtests.notes}</h2>
          {run.notes.map((note) => (
            <p class="muted" key={note}>
              {note}
            </p>
          ))}
        </section>
      )}
    </section>
  );
}
