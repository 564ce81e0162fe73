/** RFC 4180 writing and the formula-injection guard of src/bot/csv.ts, read back by a strict parser. */
import { describe, expect, it } from 'vitest';
import { guardFormula, toCsv } from '../../src/bot/csv.js';
import { parseCsv, unguard } from '../support/csv-parse.js';

describe('toCsv', () => {
  it('quotes fields with a comma, a quote or a line break, doubles the quotes, ends records with CRLF', () => {
    const csv = toCsv([
      ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\rlf'],
      ['', null, undefined, 12.5, true],
    ]);
    expect(csv).toBe('plain,"a,b","say ""hi""","two\nlines","cr\rlf"\r\n,,,12.5,true\r\n');
    expect(parseCsv(csv)).toEqual([
      ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\rlf'],
      ['', '', '', '12.5', 'true'],
    ]);
  });

  it('guards text that a spreadsheet would run as a formula, and leaves numbers alone', () => {
    const texts = ['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\tTAB', '\rCR', 'safe', "'quoted"];
    const csv = toCsv([[...texts, -3.5, 0]]);
    const [record] = parseCsv(csv);
    expect(record!.slice(0, 6).every((cell) => cell.startsWith("'"))).toBe(true);
    expect(record!.slice(6)).toEqual(['safe', "'quoted", '-3.5', '0']);
    expect(record!.slice(0, 8).map(unguard)).toEqual(texts);
    expect(guardFormula('=1')).toBe("'=1");
  });

  it('writes numbers in full precision and non-finite numbers as empty fields', () => {
    expect(toCsv([[0.1 + 0.2, 65000.123456789, Number.NaN, Number.POSITIVE_INFINITY]])).toBe('0.30000000000000004,65000.123456789,,\r\n');
  });
});
