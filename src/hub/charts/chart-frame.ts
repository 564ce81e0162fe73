/**
 * The parts every chart image shares: background, fonts, the title block, the footer (which
 * says the time zone) and the plot grid. Each chart's option builder adds its axes and series.
 */
import type { EChartsOption, GraphicComponentOption } from 'echarts';
import { CHART_WIDTH } from './chart-spec.js';
import type { PriceScale } from './price-scale.js';
import { COLORS, FONT, FONT_FAMILY, GRID, MARGIN } from './chart-theme.js';
import { timeLabels, type TimeScale } from './time-labels.js';

export interface Frame {
  title: string;
  subtitle: string;
  timeZone: string;
  notes: readonly string[];
  /** Coloured words (a legend): at the top right, or in rows under the subtitle (`legendAt: 'rows'`). */
  legend?: ReadonlyArray<{ text: string; color: string }>;
  /** `rows`: for long titles and legends; the plot moves down to make room. */
  legendAt?: 'top-right' | 'rows';
}

/**
 * Font of a graphic text as separate properties: ECharts writes a `font` shorthand as given,
 * and resvg does not read the shorthand (the text would fall back to 12 px).
 */
export function textFont(size: number, bold = false): { fontSize: number; fontFamily: string; fontWeight: 'bold' | 'normal' } {
  return { fontSize: size, fontFamily: FONT_FAMILY, fontWeight: bold ? 'bold' : 'normal' };
}

const LEGEND_GAP = 18;

/** Legend rows under the subtitle: the first one's top and each one's height (px). */
const LEGEND_ROWS = { top: 84, height: 30 } as const;

// Widths are overestimated (DejaVu Sans Bold is at most about 0.7 em per character), so an item
// never runs off the image or into the next.
const legendWidth = (text: string) => Math.ceil(text.length * FONT.label * 0.7);

function legendItems(legend: Frame['legend']): GraphicComponentOption[] {
  const width = legendWidth;
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

/** The legend from the left under the subtitle, a new row when the next item does not fit. */
function legendRows(legend: Frame['legend']): { items: GraphicComponentOption[]; rows: number } {
  let left = MARGIN;
  let row = 0;
  const items = (legend ?? []).map((item): GraphicComponentOption => {
    const width = legendWidth(item.text);
    if (left > MARGIN && left + width > CHART_WIDTH - MARGIN) [left, row] = [MARGIN, row + 1];
    const element: GraphicComponentOption = {
      type: 'text',
      left,
      top: LEGEND_ROWS.top + row * LEGEND_ROWS.height,
      style: { text: item.text, fill: item.color, ...textFont(FONT.label, true) },
    };
    left += width + LEGEND_GAP;
    return element;
  });
  return { items, rows: items.length ? row + 1 : 0 };
}

/** The title, legend, footer and plot grid; `graphic` adds elements of the chart itself. */
export function frameOption(frame: Frame, graphic: GraphicComponentOption[] = []): EChartsOption {
  const footer = [`Times in ${frame.timeZone}`, ...frame.notes].join(' · ');
  const rows = frame.legendAt === 'rows' ? legendRows(frame.legend) : { items: legendItems(frame.legend), rows: 0 };
  const top = rows.rows ? LEGEND_ROWS.top + rows.rows * LEGEND_ROWS.height + 18 : GRID.top;
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
    grid: { left: GRID.left, right: GRID.right, top, bottom: GRID.bottom, containLabel: false },
    graphic: [
      ...rows.items,
      { type: 'text', left: MARGIN, bottom: 14, style: { text: footer, fill: COLORS.muted, ...textFont(FONT.footer) } },
      { type: 'text', right: MARGIN, bottom: 14, style: { text: 'Artic', fill: COLORS.muted, ...textFont(FONT.footer, true) } },
      ...graphic,
    ],
  };
}

/** The y axis every chart uses: on the right, prices or amounts as labels, light split lines; `unit` above it. */
export function valueAxis(formatter: (value: number) => string, scale?: PriceScale, unit?: string): EChartsOption['yAxis'] {
  return {
    type: 'value',
    position: 'right',
    scale: true,
    ...(scale ? { min: scale.min, max: scale.max, interval: scale.step } : {}),
    ...(unit ? { name: unit, nameGap: 14, nameTextStyle: { fontSize: FONT.axis, color: COLORS.muted, align: 'left' as const } } : {}),
    axisLabel: { fontSize: FONT.axis, color: COLORS.text, formatter, margin: 12 },
    axisLine: { show: false },
    axisTick: { show: false },
    splitLine: { lineStyle: { color: COLORS.grid } },
  };
}

/**
 * A time x axis as a value axis (ECharts' own time axis writes its labels with a `font`
 * shorthand that the rasteriser does not read): ticks every `time.step`, labelled in `timeZone`.
 * When `time.min` is not on a step (a period drawn edge to edge), its label is left out.
 */
export function timeAxis(time: TimeScale, timeZone: string): EChartsOption['xAxis'] {
  const labels = timeLabels(timeZone, time.step);
  return {
    type: 'value',
    min: time.min,
    max: time.max,
    interval: time.step,
    axisLabel: {
      fontSize: FONT.axis,
      color: COLORS.text,
      margin: 12,
      showMinLabel: time.min % time.step === 0,
      showMaxLabel: time.max % time.step === 0,
      formatter: (v: number) => labels.label(v),
    },
    // At the bottom of the plot even when values go below zero (ECharts' default puts it on 0).
    axisLine: { onZero: false, lineStyle: { color: COLORS.muted } },
    splitLine: { show: false },
  };
}
