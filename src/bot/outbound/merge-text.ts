/**
 * The text of one send: a single message as it is, or a burst for one chat merged into one
 * message (the first few texts in full, the rest counted: "+5 more fills"), with a delay note
 * when the oldest of them waited long. Always within Telegram's text limit.
 */
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
