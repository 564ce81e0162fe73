/**
 * The end of a step-by-step flow, shared by /create and /backtest: the summary of what was
 * answered with Go / Edit / Cancel, where Edit asks one chosen question again and shows the
 * summary anew. Buttons are flow buttons (`f:sum:…`, `f:field:…`), so they stay inside the flow.
 */
import { InlineKeyboard } from 'grammy';
import type { StepEnv } from './agent-steps.js';
import { ask, invalid, valid } from './flow.js';

/** One question of a flow: asks and writes the answer into the draft. */
export type Step<D> = (env: StepEnv, draft: D) => Promise<void>;

export interface DraftReview<D, F extends string> {
  /** The summary, in Telegram HTML (recomputed after every edit). */
  summary: (draft: D) => string;
  /** The questions that Edit offers, with their button labels. */
  steps: ReadonlyArray<readonly [F, Step<D>]>;
  labels: Partial<Record<F, string>>;
  /** The button that goes ahead, e.g. `🚀 Launch`; its data is `f:sum:go` unless `goData` says otherwise. */
  goText: string;
  goData?: string;
}

/** Shows the summary until the trader goes ahead (true) or cancels (false). */
export async function reviewDraft<D, F extends string>(env: StepEnv, draft: D, review: DraftReview<D, F>): Promise<boolean> {
  const goData = review.goData ?? 'f:sum:go';
  const goWord = goData.slice('f:sum:'.length);
  for (;;) {
    const kb = new InlineKeyboard().text(review.goText, goData).text('✏️ Edit', 'f:sum:edit').text('✖️ Cancel', 'f:sum:cancel');
    const question = { text: `📋 <b>Summary</b>\n${review.summary(draft)}`, keyboard: kb };
    const choice = await ask(env.conversation, env.ctx, env.flow, question, (a) => {
      const v = a.data?.startsWith('f:sum:') ? a.data.slice(6) : a.text?.toLowerCase();
      return v === goWord || v === 'edit' || v === 'cancel' ? valid(v) : invalid(`Tap ${review.goText}, Edit or Cancel.`);
    });
    if (choice === 'cancel') return false;
    if (choice === goWord) return true;
    const fkb = new InlineKeyboard();
    review.steps.forEach(([field], i) => {
      fkb.text(review.labels[field] ?? field, `f:field:${field}`);
      if (i % 3 === 2) fkb.row();
    });
    const field = await ask(env.conversation, env.ctx, env.flow, { text: 'Which field?', keyboard: fkb }, (a) => {
      const f = a.data?.startsWith('f:field:') ? a.data.slice(8) : undefined;
      return f && review.steps.some(([k]) => k === f) ? valid(f) : invalid('Tap one of the fields.');
    });
    await review.steps.find(([k]) => k === field)![1](env, draft);
  }
}
