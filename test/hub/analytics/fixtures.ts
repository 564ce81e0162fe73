/**
 * A hand-made list of closed trades whose figures the analytics tests compute by hand. Capital
 * 1000 USDT. Times in UTC, November 2026.
 *
 *   #  opened          closed          held   pnl   fees  reason
 *   1  11-02 10:00     11-02 12:00     2h     +50   2.0   tp hit
 *   2  11-03 09:00     11-03 10:00     1h     −30   1.5   sl hit
 *   3  11-04 00:00     11-04 04:00     4h     +80   1.0   signal reversed
 *   4  11-05 12:00     11-05 13:00     1h     −40   2.0   drawdown stop
 *   5  11-06 00:00     11-06 00:30     0.5h     0   0.5   closed by owner
 */
export interface HandTrade {
  id: string;
  symbol: string;
  strategy: string | null;
  openedAt: Date;
  closedAt: Date;
  pnl: number;
  fees: number;
  closeReason: string | null;
}

export const CAPITAL = 1000;
const at = (day: number, hour: number, minute = 0) => new Date(Date.UTC(2026, 10, day, hour, minute));

export const HAND_TRADES: HandTrade[] = [
  {
    id: 't1',
    symbol: 'BTCUSDT',
    strategy: 'momentum',
    openedAt: at(2, 10),
    closedAt: at(2, 12),
    pnl: 50,
    fees: 2,
    closeReason: 'tp hit: price 105 ≥ tp 105',
  },
  {
    id: 't2',
    symbol: 'ETHUSDT',
    strategy: 'momentum',
    openedAt: at(3, 9),
    closedAt: at(3, 10),
    pnl: -30,
    fees: 1.5,
    closeReason: 'sl hit: price 97 ≤ sl 97',
  },
  {
    id: 't3',
    symbol: 'BTCUSDT',
    strategy: 'breakout',
    openedAt: at(4, 0),
    closedAt: at(4, 4),
    pnl: 80,
    fees: 1,
    closeReason: 'signal reversed (-0.6 ≤ -0.5)',
  },
  {
    id: 't4',
    symbol: 'ETHUSDT',
    strategy: null,
    openedAt: at(5, 12),
    closedAt: at(5, 13),
    pnl: -40,
    fees: 2,
    closeReason: 'drawdown stop: loss 10% of capital ≥ 10% limit',
  },
  {
    id: 't5',
    symbol: 'BTCUSDT',
    strategy: 'breakout',
    openedAt: at(6, 0),
    closedAt: at(6, 0, 30),
    pnl: 0,
    fees: 0.5,
    closeReason: 'closed by owner',
  },
];
