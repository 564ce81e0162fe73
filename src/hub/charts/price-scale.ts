/**
 * The price axis, computed here rather than by ECharts: round tick steps (1, 2, 2.5 or 5 times a
 * power of ten) over everything that must be visible. Knowing the axis lets the candle chart
 * place its level tags without overlaps, and tests find a price's pixel row.
 */

export interface PriceScale {
  min: number;
  max: number;
  step: number;
  /** Decimals the tick labels need (none for a step of 500, two for 0.25). */
  decimals: number;
}

const NICE = [1, 2, 2.5, 5, 10];

export function priceScale(values: readonly number[], ticks = 5): PriceScale {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 0.01 || 1;
    lo -= pad;
    hi += pad;
  }
  const rough = (hi - lo) / ticks;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = NICE.find((n) => n * power >= rough)! * power;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (step / power === 2.5 ? 1 : 0));
  return { min: Math.floor(lo / step) * step, max: Math.ceil(hi / step) * step, step, decimals };
}

/** The pixel row of `price` in a plot area from `top` to `bottom` (px). */
export function priceRow(scale: PriceScale, price: number, top: number, bottom: number): number {
  return top + ((scale.max - price) / (scale.max - scale.min)) * (bottom - top);
}
