/**
 * Backtests: the form to run one, the job while it is on (its state polled from
 * `GET /api/v1/backtests/:id/status` once a second, with Cancel), and the recent runs. A run
 * that ends `done` opens its result.
 */
import { useEffect, useState } from 'preact/hooks';
import type { BacktestList, BacktestStatus, BacktestSubmitted, CreateOptions } from '../../../src/shared/wire.js';
import { useApp, useLoad } from '../context.js';
import { dateTime, pnlClass } from '../format.js';
import { navigate } from '../router.js';
import { S } from '../strings.js';
import { BacktestForm } from './backtest-form.js';

const POLL_MS = 1000;
const over = (s: BacktestStatus) => s.state === 'done' || s.state === 'failed' || s.state === 'cancelled';

function stateWords(s: BacktestStatus): string {
  if (s.state === 'queued') return S.backtests.queued(s.position);
  if (s.state === 'failed') return S.backtests.failed(s.message ?? '');
  if (s.state === 'cancelled') return S.backtests.cancelled;
  if (s.progress) return S.backtests.progress(s.progress.barsDone, s.progress.barsTotal, s.progress.trades);
  return S.backtests.running;
}

/** The submitted job: its state until it is over; `onOver` is told once. */
function Job({ start, onOver }: { start: BacktestStatus; onOver(status: BacktestStatus): void }) {
  const { api } = useApp();
  const [status, setStatus] = useState(start);
  useEffect(() => {
    let stopped = false;
    const timer = setInterval(() => {
      api.get<BacktestStatus>(`/backtests/${start.id}/status`).then(
        (next) => {
          if (stopped) return;
          setStatus(next);
          if (over(next)) {
            stopped = true;
            clearInterval(timer);
            onOver(next);
          }
        },
        () => undefined,
      );
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [start.id]);
  const progress = status.progress;
  return (
    <section class="card" data-section="backtest-job" data-state={status.state}>
      <p class={status.state === 'failed' ? 'error' : 'muted'}>{stateWords(status)}</p>
      {progress && <progress max={progress.barsTotal} value={progress.barsDone} />}
      {!over(status) && (
        <button
          class="danger"
          data-action="cancel-backtest"
          onClick={() => void api.post<BacktestStatus>(`/backtests/${start.id}/cancel`).then(setStatus)}
        >
          {S.backtests.cancel}
        </button>
      )}
    </section>
  );
}

function RecentRuns({ list }: { list: BacktestList }) {
  if (list.backtests.length === 0) return <p class="muted">{S.backtests.empty}</p>;
  return (
    <div class="table-wrap">
      <table data-section="backtest-list">
        <tbody>
          {list.backtests.map((b) => (
            <tr key={b.id} data-backtest-id={b.id} class="link" onClick={() => navigate({ page: 'backtest', id: b.id })}>
              <td>{dateTime(b.createdAt)}</td>
              <td>
                {b.symbol} {b.timeframe}
              </td>
              <td>{b.kind === 'compare' ? S.backtests.compare : b.label}</td>
              <td class={`num ${pnlClass(b.totalReturnPct)}`}>
                {b.totalReturnPct === null ? S.common.none : `${b.totalReturnPct.toFixed(2)}%`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function BacktestsPage() {
  const { api } = useApp();
  const options = useLoad(() => api.get<CreateOptions>('/create-options'), [api]);
  const list = useLoad(() => api.get<BacktestList>('/backtests'), [api]);
  const [job, setJob] = useState<BacktestSubmitted | undefined>();
  const ended = (status: BacktestStatus) => {
    list.reload();
    if (status.state === 'done') navigate({ page: 'backtest', id: status.id });
  };
  const error = options.error ?? list.error;
  return (
    <section>
      <h1>{S.backtests.title}</h1>
      <p class="muted">{S.backtests.intro}</p>
      {error && <p class="error">{S.common.error(error)}</p>}
      {job && <Job start={job.status} onOver={ended} key={job.id} />}
      {options.data && <BacktestForm options={options.data} onSubmitted={setJob} />}
      <section class="card">
        <h2>{S.backtests.recent}</h2>
        {list.data ? <RecentRuns list={list.data} /> : !error && <p class="muted">{S.common.loading}</p>}
      </section>
    </section>
  );
}
