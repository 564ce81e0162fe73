/**
 * New agent: the questions of the chat's /create as one form, checked by the very rules the chat
 * uses (`checkAgentField` per field as it is typed, `checkAgentInput` across fields on submit,
 * from src/shared/contract/agent-input.ts), so both refuse the same values with the same words.
 * The hub checks again (`POST /api/v1/agents`); its refusal is shown the same way.
 */
import { useState } from 'preact/hooks';
import { RISK_PROFILES, TP_SL_MODES } from '../../../src/shared/contract/agent-config.js';
import { checkAgentField, checkAgentInput, type AgentSettings } from '../../../src/shared/contract/agent-input.js';
import type { CreateAgentRequest, CreateAgentResponse, CreateOptions } from '../../../src/shared/wire.js';
import { INTERVALS } from '../../../src/shared/contract/primitives.js';
import { ApiError } from '../api.js';
import { useApp, useLoad } from '../context.js';
import { navigate } from '../router.js';
import { S } from '../strings.js';
import { Field, SubmitRow, formDefaults, parseForm, type FormValues, type FormField } from './new-agent-form.js';

export function NewAgentPage() {
  const { api } = useApp();
  const options = useLoad(() => api.get<CreateOptions>('/create-options'), [api]);
  if (!options.data) {
    return (
      <section>{options.error ? <p class="error">{S.common.error(options.error)}</p> : <p class="muted">{S.common.loading}</p>}</section>
    );
  }
  return <NewAgentForm options={options.data} />;
}

function NewAgentForm({ options }: { options: CreateOptions }) {
  const { api } = useApp();
  const limits = { maxLeverage: options.maxLeverage };
  const [values, setValues] = useState<FormValues>(() => formDefaults(options));
  const [problems, setProblems] = useState<Partial<Record<string, string>>>({});
  const [busy, setBusy] = useState(false);

  const set = (field: FormField, text: string | boolean) => {
    const next = { ...values, [field]: text };
    setValues(next);
    const parsed = parseForm(next)[field as keyof AgentSettings];
    const checked =
      field === 'start' || (field === 'name' && text === '') ? undefined : checkAgentField(field as keyof AgentSettings, parsed, limits);
    setProblems((p) => ({ ...p, [field]: checked && !checked.ok ? checked.message : undefined, form: undefined }));
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const { start, ...input } = parseForm(values);
    const checked = checkAgentInput(input as Parameters<typeof checkAgentInput>[0], limits);
    if (!checked.ok) return setProblems({ [checked.field]: checked.message, form: checked.message });
    setBusy(true);
    try {
      const body: CreateAgentRequest = { ...input, name: checked.value.name, symbol: checked.value.symbol, start } as CreateAgentRequest;
      const created = await api.post<CreateAgentResponse>('/agents', body);
      // The agent page shows how the start went (running, or failed with the reason).
      navigate({ page: 'agent', id: created.agent.id });
    } catch (error) {
      setProblems({ form: error instanceof ApiError ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  };

  const field = (name: FormField, label: string, extra: Partial<Parameters<typeof Field>[0]> = {}) => (
    <Field name={name} label={label} value={values[name]} problem={problems[name]} onInput={(v) => set(name, v)} {...extra} />
  );
  return (
    <form class="card form" onSubmit={(e) => void submit(e)} noValidate data-form="new-agent">
      <h1>{S.create.title}</h1>
      {field('symbol', S.create.symbol, { list: options.symbols })}
      {field('name', S.create.name, { placeholder: S.create.namePlaceholder })}
      {field('amountUsdt', S.create.amountUsdt, { inputMode: 'decimal' })}
      {field('leverage', S.create.leverage(options.maxLeverage), { inputMode: 'numeric' })}
      {field('riskProfile', S.create.riskProfile, { choices: RISK_PROFILES.map((r) => [r, r]) })}
      {field('timeframe', S.create.timeframe, { choices: INTERVALS.map((i) => [i, i]) })}
      {field('tpPct', S.create.tpPct, { inputMode: 'decimal', placeholder: S.create.optional })}
      {field('slPct', S.create.slPct, { inputMode: 'decimal', placeholder: S.create.optional })}
      {field('tpSlMode', S.create.tpSlMode, { choices: TP_SL_MODES.map((m) => [m, m]) })}
      {field('llmProvider', S.create.llmProvider, {
        choices: [['', S.create.noLlm], ...options.llmProviders.map((p): [string, string] => [p, p])],
      })}
      {values.llmProvider !== '' &&
        field('llmDailyBudgetUsd', S.create.llmDailyBudgetUsd, { inputMode: 'decimal', placeholder: S.create.optional })}
      {options.liveAvailable && field('liveMode', S.create.liveMode, { checkbox: true })}
      {field('start', S.create.start, { checkbox: true })}
      <SubmitRow problem={problems.form} busy={busy} label={S.create.submit} busyLabel={S.create.submitting} />
    </form>
  );
}
