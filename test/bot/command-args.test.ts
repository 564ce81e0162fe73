/** `[agent] [n]` arguments (/trades, /profit, /daily…). */
import { describe, expect, it } from 'vitest';
import { parseRefAndCount } from '../../src/bot/command-args.js';

const days = { min: 1, max: 3650, suffix: 'd' };

describe('parseRefAndCount', () => {
  it('takes a trailing number as the count and the rest as the agent', () => {
    expect(parseRefAndCount('btc bot 30', days)).toEqual({ ref: 'btc bot', count: 30 });
    expect(parseRefAndCount('30d', days)).toEqual({ ref: undefined, count: 30 });
    expect(parseRefAndCount('btc-bot', days)).toEqual({ ref: 'btc-bot', count: undefined });
    expect(parseRefAndCount('btc-bot 0', days)).toEqual({ badCount: '0' });
    expect(parseRefAndCount('4000', days)).toEqual({ badCount: '4000' });
  });

  it('takes a lone number longer than any count as an agent id prefix (an id of digits only)', () => {
    // Observed: /profit 26270336 (an agent's short id) was refused as a number of days.
    expect(parseRefAndCount('26270336', days)).toEqual({ ref: '26270336', count: undefined });
    expect(parseRefAndCount('26270336 30', days)).toEqual({ ref: '26270336', count: 30 });
  });
});
