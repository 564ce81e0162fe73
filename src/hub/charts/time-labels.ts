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

/**
 * A period's dates in `timeZone`, for titles: `Jan 5 – Mar 31 2025`, `Dec 20 2024 – Jan 5 2025`,
 * `Mar 3 2025` for one day. `toMs` is inclusive (pass a close time minus 1 ms).
 */
export function dateRange(fromMs: number, toMs: number, timeZone: string): string {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, month: 'short', day: 'numeric', year: 'numeric' });
  const date = (ms: number) => {
    const parts: Record<string, string> = {};
    for (const part of format.formatToParts(ms)) parts[part.type] = part.value;
    return { day: `${parts.month} ${parts.day}`, year: parts.year! };
  };
  const [from, to] = [date(fromMs), date(Math.max(fromMs, toMs))];
  if (from.year !== to.year) return `${from.day} ${from.year} – ${to.day} ${to.year}`;
  return from.day === to.day ? `${to.day} ${to.year}` : `${from.day} – ${to.day} ${to.year}`;
}
