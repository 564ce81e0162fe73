/** The dashboard's chart data: bars, trade markers on the bar holding them, equity points, live price. */
import { describe, expect, it } from 'vitest';
import { barsOf, drawableLevels, equityLine, markersOf, withLivePrice } from '../../web/src/chart-data.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const candle = (i: number, close: number) => ({
  openTime: T0 + i * MIN,
  open: close - 1,
  high: close + 2,
  low: close - 2,
  close,
  volume: 1,
});
const words = { entry: (side: string) => (side === 'long' ? 'buy' : 'sell'), exit: 'exit' };

describe('chart data', () => {
  it('turns candles into bars in seconds, sorted, one per open time', () => {
    const bars = barsOf([candle(2, 12), candle(0, 10), candle(1, 11), { ...candle(1, 99) }]);
    expect(bars.map((b) => b.time)).toEqual([T0 / 1000, T0 / 1000 + 60, T0 / 1000 + 120]);
    expect(bars[1]!.close).toBe(99);
  });

  it('puts entries and exits on the bar that holds them and drops the ones before the first bar', () => {
    const bars = barsOf([candle(0, 10), candle(1, 11), candle(2, 12)]);
    const markers = markersOf(
      [
        {
          tradeId: 'a',
          side: 'long',
          openedAtMs: T0 + 30_000,
          entryPrice: 10.5,
          closedAtMs: T0 + 2 * MIN + 59_000,
          exitPrice: 12.5,
          pnl: 2,
        },
        { tradeId: 'b', side: 'short', openedAtMs: T0 - 5 * MIN, entryPrice: 9, closedAtMs: T0 + MIN, exitPrice: 11, pnl: -2 },
        { tradeId: 'c', side: 'short', openedAtMs: T0 + 9 * MIN, entryPrice: 13, closedAtMs: null, exitPrice: null, pnl: null },
      ],
      bars,
      words,
    );
    expect(markers).toEqual([
      { time: T0 / 1000, position: 'atPriceMiddle', price: 10.5, shape: 'arrowUp', role: 'up', text: 'buy' },
      { time: T0 / 1000 + 60, position: 'atPriceMiddle', price: 11, shape: 'circle', role: 'exit', text: 'exit' },
      { time: T0 / 1000 + 120, position: 'atPriceMiddle', price: 12.5, shape: 'circle', role: 'exit', text: 'exit' },
      // Opened after the last bar started: it is drawn on the last bar.
      { time: T0 / 1000 + 120, position: 'atPriceMiddle', price: 13, shape: 'arrowDown', role: 'down', text: 'sell' },
    ]);
  });

  it('keeps one equity point per second, the last of that second', () => {
    const point = (at: number, equity: number) => ({ at, equity, peak: equity, drawdown: 0, drawdownPct: 0 });
    expect(equityLine([point(T0 + 1500, 101), point(T0, 100), point(T0 + 1200, 102)])).toEqual([
      { time: T0 / 1000, value: 100 },
      { time: T0 / 1000 + 1, value: 101 },
    ]);
  });

  it('folds the live price into the last bar and draws only positive levels', () => {
    const bars = barsOf([candle(0, 10), candle(1, 11)]);
    const live = withLivePrice(bars, 20);
    expect(live[1]).toMatchObject({ close: 20, high: 20, low: 9 });
    expect(live[0]).toBe(bars[0]);
    expect(withLivePrice(bars, null)).toBe(bars);
    expect(
      drawableLevels([
        { kind: 'entry', price: 10 },
        { kind: 'liquidation', price: 0 },
      ]),
    ).toEqual([{ kind: 'entry', price: 10 }]);
  });
});
