/**
 * CSV as RFC 4180 writes it: fields separated by commas, records by CRLF, a field holding a comma,
 * a double quote or a line break enclosed in double quotes with its quotes doubled. Text cells are
 * guarded against formula injection (OWASP): a spreadsheet would run a text starting with `=`,
 * `+`, `-`, `@`, a tab or a carriage return as a formula, so such a text gets a leading apostrophe.
 * Numbers are written as numbers (a negative PnL stays `-3.5`); null is an empty field.
 */

export type CsvCell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** A text cell made safe for spreadsheets: a leading apostrophe before a formula trigger. */
export function guardFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function field(cell: CsvCell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  if (typeof cell === 'boolean') return cell ? 'true' : 'false';
  const text = guardFormula(cell);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The records as CSV text, each ended by CRLF (the first is usually the header). */
export function toCsv(records: ReadonlyArray<ReadonlyArray<CsvCell>>): string {
  return records.map((record) => `${record.map(field).join(',')}\r\n`).join('');
}
