/**
 * The form that runs a backtest (`POST /api/v1/backtests`): symbol, timeframe, strategy (or auto),
 * a period ending now, capital, leverage, TP/SL. Capital, leverage and TP/SL are checked as they
 * are typed by the agents' own rules (`checkAgentField`); the hub checks everything again and its
 * refusal (the chat's words) is shown under the form.
 */
import { useState } from 'preact/hooks';
import { checkAgentField, type AgentSettings } from '../../../src/shared/contract/agent-input.js';
import { BACKTEST_PERIODS, type BacktestRequest, type BacktestSubmitted, type CreateOptions } from '../../../src/shared/wire.js';
import { INTERVALS } from '../../../src/shared/contract/primitives.js';
import { STRATEGY_NAMES } from '../../../src/shared/strategy-names.js';
import { ApiError } from '../api.js';
import { useApp } from '../context.js';
import { S } from '../strings.js';
import { Field, SubmitRow } from './new-agent-form.js';

type Values = Record<'symbol' | 'timeframe' | 'strategy' | 'period' | 'amountUsdt' | 'leverage' | 'tpPct' | 'slPct', string>;
type Checked = 'amountUsdt' | 'leverage' | 'tpPct' | 'slPct';

const CHECKED: ReadonlySet<string> = new Set<Checked>(['amountUsdt', 'leverage', 'tpPct', 'slPct']);

/** A typed number; NaN for anything else (the rules then say what to type); empty optional → null. */
function number(text: string, optional: boolean): number | null {
  const trimmed = text.trim();
  if (trimmed === '') return optional ? null : NaN;
  return Number(trimmed);
}

function requestOf(v: Values): BacktestRequest {
  return {
    symbol: v.symbol.trim(),
    timeframe: v.timeframe,
    strategy: v.strategy,
    period: v.period as BacktestRequest['period'],
    amountUsdt: number(v.amountUsdt, false)!,
    leverage: number(v.leverage, false)!,
    tpPct: number(v.tpPct, true),
    slPct: number(v.slPct, true),
  };
}

export function BacktestForm({ options, onSubmitted }: { options: CreateOptions; onSubmitted(job: BacktestSubmitted): void }) {
  const { api } = useApp();
  const [values, setValues] = useState<Values>(() => ({
    symbol: options.symbols[0] ?? 'BTCUSDT',
    timeframe: '1h',
    strategy: 'auto',
    period: '30d',
    amountUsdt: '1000',
    leverage: String(Math.min(options.defaults.leverage, options.maxLeverage)),
    tpPct: '',
    slPct: '',
  }));
  const [problems, setProblems] = useState<Partial<Record<string, string>>>({});
  const [busy, setBusy] = useState(false);

  const set = (name: keyof Values, text: string) => {
    const next = { ...values, [name]: text };
    setValues(next);
    let problem: string | undefined;
    if (CHECKED.has(name)) {
      const field = name as Checked;
      const checked = checkAgentField(field as keyof AgentSettings, requestOf(next)[field], { maxLeverage: options.maxLeverage });
      problem = checked.ok ? undefined : checked.message;
    }
    setProblems((p) => ({ ...p, [name]: problem, form: undefined }));
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      onSubmitted(await api.post<BacktestSubmitted>('/backtests', requestOf(values)));
    } catch (error) {
      setProblems({ form: error instanceof ApiError ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  };

  const field = (name: keyof Values, label: string, extra: Partial<Parameters<typeof Field>[0]> = {}) => (
    <Field name={name} label={label} value={values[name]} problem={problems[name]} onInput={(v) => set(name, String(v))} {...extra} />
  );
  return (
    <form class="card form" onSubmit={(e) => void submit(e)} noValidate data-form="backtest">
      <h2>{S.backtests.run}</h2>
      {field('symbol', S.backtests.symbol, { list: options.symbols })}
      {field('timeframe', S.backtests.timeframe, { choices: INTERVALS.map((i) => [i, i]) })}
      {field('strategy', S.backtests.strategy, {
        choices: [['auto', S.backtests.auto], ...STRATEGY_NAMES.map((n): [string, string] => [n, n])],
      })}
      {field('period', S.backtests.period, {
        choices: Object.keys(BACKTEST_PERIODS).map((p): [string, string] => [p, S.backtests.periods[p] ?? p]),
      })}
      {field('amountUsdt', S.backtests.amountUsdt, { inputMode: 'decimal' })}
      {field('leverage', S.backtests.leverage, { inputMode: 'numeric' })}
      {field('tpPct', S.backtests.tpPct, { inputMode: 'decimal', placeholder: S.backtests.optional })}
      {field('slPct', S.backtests.slPct, { inputMode: 'decimal', placeholder: S.backtests.optional })}
      <SubmitRow problem={problems.form} busy={busy} label={S.backtests.submit} busyLabel={S.backtests.submitting} />
    </form>
  );
}
