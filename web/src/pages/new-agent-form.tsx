/**
 * The new-agent form's fields: what the inputs hold (text as typed, two switches), how that
 * becomes settings for the shared rules to check, and one labelled input with its problem.
 */
import type { AgentSettings } from '../../../src/shared/contract/agent-input.js';
import type { CreateOptions } from '../../../src/shared/wire.js';

/** The inputs that hold text as typed (numbers too: the rules say what is wrong with them). */
type TextField =
  | 'symbol'
  | 'name'
  | 'amountUsdt'
  | 'leverage'
  | 'riskProfile'
  | 'timeframe'
  | 'tpPct'
  | 'slPct'
  | 'tpSlMode'
  | 'llmProvider'
  | 'llmDailyBudgetUsd';

export type FormValues = Record<TextField, string> & { liveMode: boolean; start: boolean };
export type FormField = keyof FormValues;

const text = (value: number | string | null) => (value === null ? '' : String(value));

export function formDefaults(options: CreateOptions): FormValues {
  const d = options.defaults;
  return {
    symbol: options.symbols[0] ?? '',
    name: '',
    amountUsdt: '',
    leverage: text(d.leverage),
    riskProfile: d.riskProfile,
    timeframe: d.timeframe,
    tpPct: text(d.tpPct),
    slPct: text(d.slPct),
    tpSlMode: d.tpSlMode,
    llmProvider: text(d.llmProvider),
    llmDailyBudgetUsd: text(d.llmDailyBudgetUsd),
    liveMode: false,
    start: true,
  };
}

/** A typed number; NaN for anything else (the rules then say what to type). */
function number(value: string): number {
  const trimmed = value.trim();
  return trimmed === '' ? NaN : Number(trimmed);
}

/** An optional number: empty is null ("skip" in the chat). */
const optional = (value: string) => (value.trim() === '' ? null : number(value));

/** The settings the form holds, as the shared rules take them. */
export function parseForm(v: FormValues): Partial<AgentSettings> & Pick<AgentSettings, 'symbol' | 'amountUsdt'> & { start: boolean } {
  const provider = v.llmProvider === '' ? null : (v.llmProvider as AgentSettings['llmProvider']);
  return {
    symbol: v.symbol.trim(),
    ...(v.name.trim() === '' ? {} : { name: v.name }),
    amountUsdt: number(v.amountUsdt),
    leverage: number(v.leverage),
    riskProfile: v.riskProfile as AgentSettings['riskProfile'],
    timeframe: v.timeframe as AgentSettings['timeframe'],
    tpPct: optional(v.tpPct),
    slPct: optional(v.slPct),
    tpSlMode: v.tpSlMode as AgentSettings['tpSlMode'],
    llmProvider: provider,
    llmDailyBudgetUsd: provider === null ? null : optional(v.llmDailyBudgetUsd),
    liveMode: v.liveMode,
    start: v.start,
  };
}

export interface FieldProps {
  name: string;
  label: string;
  value: string | boolean;
  problem: string | undefined;
  onInput(value: string | boolean): void;
  placeholder?: string;
  inputMode?: 'decimal' | 'numeric';
  /** Suggestions for a text input. */
  list?: string[];
  /** A select: [value, label] pairs. */
  choices?: Array<[string, string]>;
  checkbox?: boolean;
}

function Control(p: FieldProps) {
  const id = `field-${p.name}`;
  if (p.checkbox)
    return <input id={id} name={p.name} type="checkbox" checked={p.value === true} onChange={(e) => p.onInput(e.currentTarget.checked)} />;
  if (p.choices) {
    return (
      <select id={id} name={p.name} value={String(p.value)} onChange={(e) => p.onInput(e.currentTarget.value)}>
        {p.choices.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    );
  }
  return (
    <>
      <input
        id={id}
        name={p.name}
        value={String(p.value)}
        placeholder={p.placeholder}
        inputMode={p.inputMode}
        list={p.list ? `${id}-list` : undefined}
        autoComplete="off"
        aria-invalid={p.problem ? true : undefined}
        onInput={(e) => p.onInput(e.currentTarget.value)}
      />
      {p.list && (
        <datalist id={`${id}-list`}>
          {p.list.map((option) => (
            <option key={option} value={option} />
          ))}
        </datalist>
      )}
    </>
  );
}

export function Field(p: FieldProps) {
  return (
    <div class={`field${p.checkbox ? ' check' : ''}`}>
      <label for={`field-${p.name}`}>{p.label}</label>
      <Control {...p} />
      {p.problem && (
        <p class="problem" data-problem={p.name}>
          {p.problem}
        </p>
      )}
    </div>
  );
}

/** The end of a form: the hub's (or the rules') refusal of the whole form, and the submit button. */
export function SubmitRow({
  problem,
  busy,
  label,
  busyLabel,
}: {
  problem: string | undefined;
  busy: boolean;
  label: string;
  busyLabel: string;
}) {
  return (
    <>
      {problem && (
        <p class="error" data-problem="form">
          {problem}
        </p>
      )}
      <button class="primary" type="submit" disabled={busy}>
        {busy ? busyLabel : label}
      </button>
    </>
  );
}
