/**
 * How a value read from the exchange's JSON is written into our text (ids, codes, error messages):
 * strings as they are, numbers and booleans as `String` writes them, and anything the exchange
 * should not have sent there (an object, an array) as its JSON, never as `[object Object]`.
 */
export function jsonText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'object':
      if (value === null) return 'null';
      try {
        return JSON.stringify(value);
      } catch {
        return Object.prototype.toString.call(value);
      }
    default:
      return typeof value; // a function or a symbol: not JSON at all
  }
}
