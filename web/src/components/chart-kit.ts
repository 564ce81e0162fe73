/**
 * What the dashboard's charts share: colours and layout from the page's theme (styles.css
 * resolves Telegram's colours), and `useChart`, which makes a lightweight-charts chart in a
 * component's box, follows the box's width and removes the chart with the component.
 */
import { ColorType, createChart, type ChartOptions, type DeepPartial, type IChartApi } from 'lightweight-charts';
import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
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

/** A chart with what `setup` added to it (its series), while the component is shown. */
export type Drawn<T> = T & { chart: IChartApi; colours: ChartColours };

/**
 * Makes the chart when the component mounts: `setup` adds the series and returns them; `drawn`
 * holds them (undefined before the mount and after the unmount) for the component's draws.
 */
export function useChart<T extends object>(
  height: number,
  setup: (chart: IChartApi, colours: ChartColours, drawn: RefObject<Drawn<T> | undefined>) => T,
): { box: RefObject<HTMLDivElement | null>; drawn: RefObject<Drawn<T> | undefined> } {
  const box = useRef<HTMLDivElement>(null);
  const drawn = useRef<Drawn<T> | undefined>(undefined);
  useEffect(() => {
    const element = box.current!;
    const colours = chartColours();
    const chart = createChart(element, { ...chartOptions(colours, height), width: element.clientWidth });
    drawn.current = { ...setup(chart, colours, drawn), chart, colours };
    const resize = new ResizeObserver(() => chart.applyOptions({ width: element.clientWidth }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.remove();
      drawn.current = undefined;
    };
  }, []);
  return { box, drawn };
}
