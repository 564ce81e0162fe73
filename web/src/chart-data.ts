/**
 * The API's chart data as lightweight-charts wants it: times in Unix seconds, strictly
 * increasing; markers sorted by time and placed on the bar that holds their moment. Pure, so
 * the unit tests check it without a browser.
 */
import type { AgentCandles, ChartTradeMarker, EquityPoint, PriceLevel } from '../../src/shared/wire.js';

export interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

export interface Marker {
  time: number;
  position: 'atPriceMiddle';
  price: number;
  shape: 'arrowUp' | 'arrowDown' | 'circle';
  /** A theme colour role; the chart resolves it. */
  role: 'up' | 'down' | 'exit';
  text: string;
}

export interface Point {
  time: number;
  value: number;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

export function barsOf(candles: AgentCandles['candles']): Bar[] {
  const bars: Bar[] = [];
  for (const c of [...candles].sort((a, b) => a.openTime - b.openTime)) {
    const time = seconds(c.openTime);
    if (bars.length && bars[bars.length - 1]!.time === time) bars.pop();
    bars.push({ time, open: c.open, high: c.high, low: c.low, close: c.close });
  }
  return bars;
}

/** The open time of the bar that holds `ms`, or undefined when it is outside the bars. */
function barTime(bars: Bar[], ms: number): number | undefined {
  const t = ms / 1000;
  if (!bars.length || t < bars[0]!.time) return undefined;
  let lo = 0;
  let hi = bars.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (bars[mid]!.time <= t) lo = mid;
    else hi = mid - 1;
  }
  return bars[lo]!.time;
}

/** Entry markers (an arrow in the trade's direction) and exit markers (a circle) at their prices. */
export function markersOf(trades: ChartTradeMarker[], bars: Bar[], words: { entry(side: string): string; exit: string }): Marker[] {
  const markers: Marker[] = [];
  for (const trade of trades) {
    const opened = barTime(bars, trade.openedAtMs);
    if (opened !== undefined) {
      const long = trade.side === 'long';
      markers.push({
        time: opened,
        position: 'atPriceMiddle',
        price: trade.entryPrice,
        shape: long ? 'arrowUp' : 'arrowDown',
        role: long ? 'up' : 'down',
        text: words.entry(trade.side),
      });
    }
    const closed = trade.closedAtMs === null ? undefined : barTime(bars, trade.closedAtMs);
    if (closed !== undefined && trade.exitPrice !== null) {
      markers.push({ time: closed, position: 'atPriceMiddle', price: trade.exitPrice, shape: 'circle', role: 'exit', text: words.exit });
    }
  }
  return markers.sort((a, b) => a.time - b.time);
}

/** One point per second (the last one of a second wins: two closes in one second). */
export function equityLine(points: Array<Pick<EquityPoint, 'at' | 'equity'>>): Point[] {
  const line: Point[] = [];
  for (const p of [...points].sort((a, b) => a.at - b.at)) {
    const time = seconds(p.at);
    if (line.length && line[line.length - 1]!.time >= time) line.pop();
    line.push({ time, value: p.equity });
  }
  return line;
}

/** The bars with a live price folded into the last one (its close, and its high or low when passed). */
export function withLivePrice(bars: Bar[], livePrice: number | null): Bar[] {
  const last = bars[bars.length - 1];
  if (!last || livePrice === null) return bars;
  return [...bars.slice(0, -1), { ...last, close: livePrice, high: Math.max(last.high, livePrice), low: Math.min(last.low, livePrice) }];
}

/** Levels worth a line: a positive price (a 1x long's liquidation at 0 is no line). */
export function drawableLevels(levels: PriceLevel[]): PriceLevel[] {
  return levels.filter((level) => level.price > 0);
}
