/** Chart colours and layout from the page's theme (styles.css resolves Telegram's colours). */
import { ColorType, type DeepPartial, type ChartOptions } from 'lightweight-charts';
import { cssColor } from '../theme.js';

export interface ChartColours {
  text: string;
  grid: string;
  up: string;
  down: string;
  exit: string;
  accent: string;
  tp: string;
  sl: string;
  liquidation: string;
}

export function chartColours(): ChartColours {
  return {
    text: cssColor('--hint') || '#888888',
    grid: cssColor('--grid') || 'rgba(128,128,128,0.15)',
    up: cssColor('--up') || '#26a269',
    down: cssColor('--down') || '#e01b24',
    exit: cssColor('--text') || '#222222',
    accent: cssColor('--link') || '#2481cc',
    tp: cssColor('--up') || '#26a269',
    sl: cssColor('--warn') || '#e5a50a',
    liquidation: cssColor('--down') || '#e01b24',
  };
}

export function chartOptions(colours: ChartColours, height: number): DeepPartial<ChartOptions> {
  return {
    height,
    autoSize: false,
    layout: { background: { type: ColorType.Solid, color: 'transparent' }, textColor: colours.text, fontSize: 11 },
    grid: { vertLines: { color: colours.grid }, horzLines: { color: colours.grid } },
    rightPriceScale: { borderVisible: false },
    timeScale: { borderVisible: false, timeVisible: true, secondsVisible: false },
    handleScroll: { vertTouchDrag: false },
  };
}
