/**
 * The text of one send: a single message as it is, or a burst for one chat merged into one
 * message (the first few texts in full, the rest counted: "+5 more fills"), with a delay note
 * when the oldest of them waited long. Always within Telegram's text limit. The buttons of the
 * merged messages go under it, each once.
 */
import type { AlertButton } from '../../hub/alerts/alert-router.js';
import { delayNote, moreSummary, TELEGRAM_TEXT_LIMIT } from '../alert-format.js';

export interface MergeLimits {
  /** Messages older than this when sent get a delay note (ms). */
  lateAfterMs: number;
  /** Full texts kept in a merged message; the rest are counted. */
  maxMergedTexts: number;
}

export interface MergeableMessage {
  /** Telegram HTML. */
  text: string;
  eventType: string;
  /** When it was queued (ms). */
  createdAt: number;
}

/** The text that carries `batch` (oldest first, at least one) when sent at `t` (ms). */
export function mergedText(batch: readonly MergeableMessage[], t: number, limits: MergeLimits): string {
  const oldest = Math.min(...batch.map((i) => i.createdAt));
  const late = t - oldest >= limits.lateAfterMs ? `\n\n<i>${delayNote(t - oldest)}</i>` : '';
  if (batch.length === 1) {
    const text = batch[0]!.text;
    return text.length + late.length <= TELEGRAM_TEXT_LIMIT ? text + late : text;
  }
  const reserve = 200 + late.length; // summary line + delay note
  const parts: string[] = [];
  let length = 0;
  for (const item of batch) {
    if (parts.length >= limits.maxMergedTexts || length + item.text.length + 2 > TELEGRAM_TEXT_LIMIT - reserve) break;
    parts.push(item.text);
    length += item.text.length + 2;
  }
  const rest = batch.slice(parts.length);
  const summary = rest.length ? `\n\n<i>${moreSummary(rest.map((i) => i.eventType))}</i>` : '';
  return parts.join('\n\n') + summary + late;
}

/** Buttons under one merged message at most (one per row). */
export const MAX_MERGED_BUTTONS = 6;

/**
 * The buttons of `batch`, each callback once, in order. When alike buttons (same text) of
 * several scopes remain, each says its scope ("📈 Chart · btc-bot"), so they can be told apart.
 */
export function mergedButtons(batch: ReadonlyArray<{ buttons?: AlertButton[] }>): AlertButton[] {
  const seen = new Map<string, AlertButton>();
  for (const button of batch.flatMap((item) => item.buttons ?? [])) if (!seen.has(button.data)) seen.set(button.data, button);
  const buttons = [...seen.values()].slice(0, MAX_MERGED_BUTTONS);
  const alike = (b: AlertButton) => buttons.filter((other) => other.text === b.text).length > 1;
  return buttons.map((b) => (b.scope && alike(b) ? { ...b, text: `${b.text} · ${b.scope}` } : b));
}
