/**
 * The look shared by every chart image: colours, font sizes and the plot area, chosen to read on
 * a phone (a 1280×720 image shown about 400 px wide, so text is large and lines are thick).
 * The pixel tests find markers by these exact colours: keep them distinct from the candles'.
 */
export const FONT_FAMILY = 'DejaVu Sans';

export const COLORS = {
  background: '#ffffff',
  text: '#1f2937',
  muted: '#6b7280',
  grid: '#e5e7eb',
  candleUp: '#26a69a',
  candleDown: '#ef5350',
  /** Trade markers by side: never a candle colour. */
  long: '#1d4ed8',
  short: '#f59e0b',
  win: '#16a34a',
  loss: '#dc2626',
  equity: '#1d4ed8',
  drawdown: 'rgba(220, 38, 38, 0.28)',
  peak: '#9ca3af',
  levels: { entry: '#6b7280', tp: '#16a34a', sl: '#dc2626', liquidation: '#7c3aed' },
  /** Backtests: the symbol's closes, holding it (buy and hold), the starting capital. */
  price: '#374151',
  buyHold: '#6b7280',
  baseline: '#9ca3af',
  /** `/compare`: one colour per ranked strategy, best first (buy and hold stays grey). */
  ranks: ['#1d4ed8', '#16a34a', '#f59e0b', '#7c3aed', '#db2777'],
} as const;

export const FONT = { title: 30, subtitle: 21, axis: 20, label: 20, footer: 19, tag: 16 } as const;

/** The plot area inside the image (px); the price axis sits on the right. */
export const GRID = { left: 64, right: 150, top: 96, bottom: 80 } as const;

/** Space between the image edge and the title, legend and footer (px). */
export const MARGIN = 24;

/** Marker size (px): a triangle this big still has solid-colour pixels after anti-aliasing. */
export const MARKER_SIZE = 22;
