/**
 * A small RFC 4180 reader for tests: the inverse of src/bot/csv.ts's `toCsv` (quoted fields with
 * doubled quotes, CRLF records, every record ended by CRLF). Strict: a stray quote or a missing
 * final CRLF throws, so a test sees a malformed document as a failure, not as odd values.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) throw new Error('unterminated quoted field');
        value += text.slice(i, quote);
        i = quote + 1;
        if (text[i] !== '"') break;
        value += '"';
        i++;
      }
    } else {
      const end = text.slice(i).search(/[,\r"]/);
      const stop = end === -1 ? text.length : i + end;
      if (text[stop] === '"') throw new Error(`stray quote at ${stop}`);
      value = text.slice(i, stop);
      i = stop;
    }
    record.push(value);
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text.slice(i, i + 2) !== '\r\n') throw new Error(`expected CRLF at ${i}`);
    i += 2;
    records.push(record);
    record = [];
  }
  return records;
}

/** A text cell as written before `guardFormula` (the leading apostrophe of a guarded formula removed). */
export function unguard(cell: string): string {
  return /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}
