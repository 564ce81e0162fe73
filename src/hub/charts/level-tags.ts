/**
 * The open position's levels (entry, take-profit, stop-loss, liquidation) as horizontal lines
 * with a coloured tag in the price gutter ("TP 51,977.6"). Tags of close levels are pushed
 * apart so each stays readable. A level far outside the candles' range would squash them, so
 * it is only named (in the subtitle), not drawn.
 */
import type { GraphicComponentOption, MarkLineComponentOption } from 'echarts';
import { CHART_HEIGHT, CHART_WIDTH, type LevelKind, type PriceLevel } from './chart-spec.js';
import { textFont } from './chart-frame.js';
import { COLORS, FONT, GRID } from './chart-theme.js';
import { formatPrice } from './price-format.js';
import { priceRow, type PriceScale } from './price-scale.js';

export const LEVEL_NAMES: Record<LevelKind, string> = { entry: 'Entry', tp: 'TP', sl: 'SL', liquidation: 'Liq' };

const TAG_HEIGHT = 26;

/** Levels within this share of the candles' range (beyond it, on either side) are drawn. */
const REACH = 0.75;

export function splitLevels(low: number, high: number, levels: readonly PriceLevel[]): { drawn: PriceLevel[]; far: PriceLevel[] } {
  const reach = Math.max(high - low, high * 0.002) * REACH;
  const drawn = levels.filter((l) => l.price >= low - reach && l.price <= high + reach);
  return { drawn, far: levels.filter((l) => !drawn.includes(l)) };
}

export function levelLines(levels: readonly PriceLevel[]): MarkLineComponentOption['data'] {
  return levels.map((level) => ({
    yAxis: level.price,
    label: { show: false },
    lineStyle: { color: COLORS.levels[level.kind], width: 2.5, type: level.kind === 'liquidation' ? 'solid' : 'dashed' },
  }));
}

/** Tags in the price gutter, top to bottom, at least a tag's height apart and inside the plot. */
export function levelTags(levels: readonly PriceLevel[], scale: PriceScale, decimals: number): GraphicComponentOption[] {
  const top = GRID.top;
  const bottom = CHART_HEIGHT - GRID.bottom;
  const rows = levels.map((level) => ({ level, y: priceRow(scale, level.price, top, bottom) })).sort((a, b) => a.y - b.y);
  for (let n = 1; n < rows.length; n++) rows[n]!.y = Math.max(rows[n]!.y, rows[n - 1]!.y + TAG_HEIGHT);
  const overflow = rows.length ? rows.at(-1)!.y + TAG_HEIGHT / 2 - bottom : 0;
  const x = CHART_WIDTH - GRID.right + 4;
  return rows.map(({ level, y }) => ({
    type: 'group',
    x,
    y: y - Math.max(0, overflow) - TAG_HEIGHT / 2,
    z: 100,
    children: [
      {
        type: 'rect',
        z: 100,
        shape: { x: 0, y: 0, width: GRID.right - 8, height: TAG_HEIGHT, r: 4 },
        style: { fill: COLORS.levels[level.kind] },
      },
      {
        type: 'text',
        z: 101,
        x: 6,
        y: TAG_HEIGHT / 2,
        style: {
          text: `${LEVEL_NAMES[level.kind]} ${formatPrice(level.price, decimals)}`,
          fill: '#ffffff',
          ...textFont(FONT.tag, true),
          verticalAlign: 'middle',
        },
      },
    ],
  }));
}
