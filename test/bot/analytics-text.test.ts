import { describe, expect, it } from 'vitest';
import { fmtPct, fmtRatio, leaderboardMessages, periodText, preMessages } from '../../src/bot/analytics-text.js';
import { PERIOD_COMMANDS } from '../../src/bot/features/period-tables.js';
import { periodRows } from '../../src/hub/analytics/periods.js';

describe('figures', () => {
  it('percentages from fractions, unknown as —', () => {
    expect(fmtPct(0.06)).toBe('6.00%');
    expect(fmtPct(0.06, 1, true)).toBe('+6.0%');
    expect(fmtPct(-0.031, 2, true)).toBe('−3.10%');
    expect(fmtPct(-0.00001, 1)).toBe('0.0%');
    expect(fmtPct(null)).toBe('—');
  });

  it('profit factor: ∞ without a loss, — without trades', () => {
    expect(fmtRatio(130 / 70)).toBe('1.86');
    expect(fmtRatio(Infinity)).toBe('∞');
    expect(fmtRatio(null)).toBe('—');
    expect(fmtRatio(-0.5)).toBe('−0.50');
  });
});

describe('tables', () => {
  it('the longest period table still fits one message (its Refresh edits that one message)', () => {
    for (const spec of Object.values(PERIOD_COMMANDS)) {
      const huge = Array.from({ length: 400 }, (_, i) => ({ closedAt: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000), pnl: -123_456.78 }));
      const text = periodText(spec.unit, 'x'.repeat(32), periodRows(spec.unit, huge, spec.maxCount, Date.UTC(2026, 10, 30)));
      expect(text.length).toBeLessThan(4000);
    }
  });

  it('splits long tables between rows, each page its own <pre> block', () => {
    const rows = Array.from({ length: 300 }, (_, i) => `row ${i} ${'·'.repeat(30)}`);
    const pages = preMessages('<b>head</b>', rows, 'foot');
    expect(pages.length).toBeGreaterThan(2);
    for (const page of pages) {
      expect(page.length).toBeLessThanOrEqual(4000);
      expect(page.match(/<pre>/g)).toHaveLength(1);
      expect(page.match(/<\/pre>/g)).toHaveLength(1);
    }
    expect(pages[0]!.startsWith('<b>head</b>\n<pre>row 0 ')).toBe(true);
    expect(pages.at(-1)!.endsWith('</pre>\nfoot')).toBe(true);
    expect(pages.join('\n').match(/row \d+ /g)).toHaveLength(300);
  });

  it('escapes agent names in the leaderboard after padding them', () => {
    const [page] = leaderboardMessages([
      { rank: 1, name: 'a<b>&c', roi: 0.1, pnl: 10, trades: 1, winRate: 1, maxDrawdownPct: 0, sharpe: null },
    ]);
    expect(page).toContain('1 a&lt;b&gt;&amp;c +10.00% 100%  0.0%      —');
  });
});
