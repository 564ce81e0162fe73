/**
 * Reading one environment variable into a typed value (an integer in range, a URL, a port range…),
 * and the URL helpers its messages use, so that a password never appears in a problem or warning.
 */

export type Env = Record<string, string | undefined>;

/** Collects problems instead of stopping at the first, so one boot shows every mistake. */
export class Reader {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string): string | undefined {
    return this.raw(name);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.problems.push(`${name} must be an integer ${min}-${max}, got "${value}"`);
      return fallback;
    }
    return Number(value);
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
      this.problems.push(`${name} must be a number ${min}-${max}, got "${value}"`);
      return fallback;
    }
    return parsed;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const lower = value.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
    if (['0', 'false', 'no', 'off'].includes(lower)) return false;
    this.problems.push(`${name} must be true or false, got "${value}"`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${name} must be one of ${allowed.join('|')}, got "${value}"`);
      return fallback;
    }
    return value as T;
  }

  url(name: string, fallback?: string): string | undefined {
    return this.checkUrl(name, this.raw(name), fallback);
  }

  /** A PostgreSQL URL; SQLAlchemy's `postgresql+asyncpg://` form loses its driver part, with a warning. */
  postgresUrl(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const { url, driver } = withoutDriverSuffix(value);
    if (driver) {
      this.warnings.push(
        `${name} names a Python driver (+${driver}, SQLAlchemy's form); using ${redactUrl(url)}. Remove "+${driver}" from ${name} to silence this warning.`,
      );
    }
    return this.checkUrl(name, url);
  }

  private checkUrl(name: string, value: string | undefined, fallback?: string): string | undefined {
    if (value === undefined) return fallback;
    try {
      const parsed = new URL(value);
      if (!['http:', 'https:', 'ws:', 'wss:', 'postgres:', 'postgresql:'].includes(parsed.protocol)) throw new Error();
      return value;
    } catch {
      this.problems.push(`${name} must be a URL (e.g. https://example.com), got "${redactUrl(value)}"`);
      return fallback;
    }
  }

  portRange(name: string, fallback: string): { from: number; to: number } {
    const value = this.string(name, fallback);
    const match = /^(\d+)-(\d+)$/.exec(value);
    const from = Number(match?.[1]);
    const to = Number(match?.[2]);
    if (!match || from < 1024 || to > 65535 || from > to) {
      this.problems.push(`${name} must look like 8000-8999 (1024-65535, from <= to), got "${value}"`);
      const [f, t] = fallback.split('-').map(Number);
      return { from: f, to: t };
    }
    return { from, to };
  }

  /** Node command-line options (`--flag` or `--flag=value`, space-separated); '' for none. */
  nodeOptions(name: string, fallback: string): string {
    // Unlike other settings, set but empty means "none" (Node's defaults), not the fallback.
    const value = (this.env[name] ?? fallback).trim();
    if (value !== '' && !/^--[a-z0-9-]+(=[\w.-]+)?( +--[a-z0-9-]+(=[\w.-]+)?)*$/.test(value)) {
      this.problems.push(`${name} must be Node options like "--max-old-space-size=64 --max-semi-space-size=1", got "${value}"`);
      return fallback;
    }
    return value;
  }

  /** The non-empty, trimmed parts of a comma-separated value; empty when unset. */
  private parts(name: string): string[] {
    return (this.raw(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /** Comma-separated http(s) URLs, trimmed; empty when unset. */
  urlList(name: string): string[] {
    const urls = this.parts(name);
    const bad = urls.findIndex((u) => !/^https?:\/\/\S+$/.test(u) || !URL.canParse(u));
    if (bad >= 0) {
      this.problems.push(`${name} must be comma-separated http(s) URLs; entry ${bad + 1} "${redactUrl(urls[bad]!)}" is not one`);
      return [];
    }
    return urls;
  }

  intList(name: string): number[] {
    const parts = this.parts(name);
    const bad = parts.filter((s) => !/^\d+$/.test(s));
    if (bad.length) {
      this.problems.push(`${name} must be a comma-separated list of numeric Telegram ids, got "${this.raw(name)}"`);
      return [];
    }
    return parts.map(Number);
  }
}

const DRIVER_SUFFIX = /^(postgres(?:ql)?)\+([A-Za-z0-9_]+):/i;

/**
 * `postgresql+asyncpg://…` (the original Python hub's DATABASE_URL) → `postgresql://…`: the
 * `+driver` part picks a Python driver and means nothing to node-postgres.
 */
export function withoutDriverSuffix(value: string): { url: string; driver: string | undefined } {
  const match = DRIVER_SUFFIX.exec(value);
  if (!match) return { url: value, driver: undefined };
  return { url: `${match[1]}:${value.slice(match[0].length)}`, driver: match[2] };
}

/** Hides the password of a URL so it can appear in an error message. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return value.length > 12 ? `${value.slice(0, 8)}…` : value;
  }
}
