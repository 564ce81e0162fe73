/**
 * Times on chart axes, written in the trader's time zone (an IANA name, validated when it was
 * stored: src/hub/timezone.ts). One formatter per render: Intl.DateTimeFormat is costly to build
 * and cheap to reuse.
 */

export interface TimeLabels {
  /** `Dec 3 14:05` (or `Dec 3` for daily bars). */
  label(epochMs: number): string;
}

/** Bars of at least a day are labelled with the date alone. */
const DAY_MS = 86_400_000;

export function timeLabels(timeZone: string, stepMs: number): TimeLabels {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const dateOnly = stepMs >= DAY_MS;
  return {
    label(epochMs) {
      const parts: Record<string, string> = {};
      for (const part of format.formatToParts(epochMs)) parts[part.type] = part.value;
      const date = `${parts.month} ${parts.day}`;
      return dateOnly ? date : `${date} ${parts.hour}:${parts.minute}`;
    },
  };
}

/** A time axis: round steps, so labels read 06:00, 12:00 … or Dec 3, Dec 4 … */
export interface TimeScale {
  min: number;
  max: number;
  step: number;
}

const HOUR_MS = 3_600_000;
const TIME_STEPS = [1, 2, 3, 6, 12, 24, 48, 72, 168, 336, 720, 2160, 4320, 8760].map((h) => h * HOUR_MS);

/**
 * Steps are whole hours or days counted in UTC; in a zone whose offset is not a whole hour the
 * labels still fall on the same minute of each hour, just not on :00.
 */
export function timeScale(from: number, to: number, maxTicks = 6): TimeScale {
  const span = Math.max(to - from, HOUR_MS);
  const step = TIME_STEPS.find((s) => span / s <= maxTicks) ?? TIME_STEPS.at(-1)!;
  return { min: Math.floor(from / step) * step, max: Math.ceil(to / step) * step, step };
}
