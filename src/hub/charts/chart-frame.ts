/**
 * The parts every chart image shares: background, fonts, the title block, the footer (which
 * says the time zone) and the plot grid. Each chart's option builder adds its axes and series.
 */
import type { EChartsOption, GraphicComponentOption } from 'echarts';
import { CHART_WIDTH } from './chart-spec.js';
import type { PriceScale } from './price-scale.js';
import { COLORS, FONT, FONT_FAMILY, GRID, MARGIN } from './chart-theme.js';

export interface Frame {
  title: string;
  subtitle: string;
  timeZone: string;
  notes: readonly string[];
  /** Coloured words at the top right (a legend). */
  legend?: ReadonlyArray<{ text: string; color: string }>;
}

/**
 * Font of a graphic text as separate properties: ECharts writes a `font` shorthand as given,
 * and resvg does not read the shorthand (the text would fall back to 12 px).
 */
export function textFont(size: number, bold = false): { fontSize: number; fontFamily: string; fontWeight: 'bold' | 'normal' } {
  return { fontSize: size, fontFamily: FONT_FAMILY, fontWeight: bold ? 'bold' : 'normal' };
}

const LEGEND_GAP = 18;

function legendItems(legend: Frame['legend']): GraphicComponentOption[] {
  // Laid out from the left, with widths overestimated (DejaVu Sans Bold is at most about
  // 0.7 em per character), so the last item never runs off the image.
  const width = (text: string) => Math.ceil(text.length * FONT.label * 0.7);
  const items = legend ?? [];
  let left = CHART_WIDTH - MARGIN - items.reduce((sum, item) => sum + width(item.text) + LEGEND_GAP, -LEGEND_GAP);
  return items.map((item) => {
    const element: GraphicComponentOption = {
      type: 'text',
      left,
      top: 30,
      style: { text: item.text, fill: item.color, ...textFont(FONT.label, true) },
    };
    left += width(item.text) + LEGEND_GAP;
    return element;
  });
}

/** The title, legend, footer and plot grid; `graphic` adds elements of the chart itself. */
export function frameOption(frame: Frame, graphic: GraphicComponentOption[] = []): EChartsOption {
  const footer = [`Times in ${frame.timeZone}`, ...frame.notes].join(' · ');
  return {
    animation: false,
    backgroundColor: COLORS.background,
    textStyle: { fontFamily: FONT_FAMILY, color: COLORS.text },
    title: {
      text: frame.title,
      subtext: frame.subtitle,
      left: MARGIN,
      top: 12,
      itemGap: 6,
      textStyle: { fontSize: FONT.title, fontWeight: 'bold', color: COLORS.text, fontFamily: FONT_FAMILY },
      subtextStyle: { fontSize: FONT.subtitle, color: COLORS.muted, fontFamily: FONT_FAMILY },
    },
    grid: { left: GRID.left, right: GRID.right, top: GRID.top, bottom: GRID.bottom, containLabel: false },
    graphic: [
      ...legendItems(frame.legend),
      { type: 'text', left: MARGIN, bottom: 14, style: { text: footer, fill: COLORS.muted, ...textFont(FONT.footer) } },
      { type: 'text', right: MARGIN, bottom: 14, style: { text: 'Artic', fill: COLORS.muted, ...textFont(FONT.footer, true) } },
      ...graphic,
    ],
  };
}

/** The y axis both charts use: on the right, prices or amounts as labels, light split lines. */
export function valueAxis(formatter: (value: number) => string, scale?: PriceScale): EChartsOption['yAxis'] {
  return {
    type: 'value',
    position: 'right',
    scale: true,
    ...(scale ? { min: scale.min, max: scale.max, interval: scale.step } : {}),
    axisLabel: { fontSize: FONT.axis, color: COLORS.text, formatter, margin: 12 },
    axisLine: { show: false },
    axisTick: { show: false },
    splitLine: { lineStyle: { color: COLORS.grid } },
  };
}
