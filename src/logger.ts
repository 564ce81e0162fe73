/**
 * The process logger (pino). Secrets are removed twice: by path (headers and well-known
 * field names) and by value (every configured secret is scrubbed from messages and errors),
 * so a token that slips into an error string still never reaches the log.
 */
import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Field paths whose values are always replaced by `[redacted]`. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hk-apikey"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'headers.authorization',
  '*.apiKey',
  '*.apikey',
  '*.secret',
  '*.password',
  '*.token',
  '*.privateKey',
  '*.botToken',
  '*.value',
  '*.encryptionKey',
  '*.jwtSecret',
  '*.internalSecret',
];

const MIN_SCRUB_LENGTH = 6;

/** Replaces each known secret value inside `text` with `[redacted]`. */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_SCRUB_LENGTH && out.includes(secret)) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/** A set of secret values the logger scrubs; the vault adds values it decrypts. */
export class SecretRegistry {
  private readonly values = new Set<string>();
  add(...values: Array<string | undefined>): void {
    for (const v of values) if (v && v.length >= MIN_SCRUB_LENGTH) this.values.add(v);
  }
  scrub(text: string): string {
    return this.values.size ? scrubSecrets(text, this.values) : text;
  }
}

function scrubDeep(value: unknown, registry: SecretRegistry, depth = 0): unknown {
  if (typeof value === 'string') return registry.scrub(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { type: value.name, message: registry.scrub(value.message), stack: registry.scrub(value.stack ?? '') };
  }
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, registry, depth + 1));
  const out: Record<string, unknown> = {};
  // Fastify's request/reply objects go to their serializers whole (a copy loses their getters);
  // the serializers keep only safe fields and scrub them.
  for (const [k, v] of Object.entries(value)) out[k] = depth === 0 && SERIALIZED.has(k) ? v : scrubDeep(v, registry, depth + 1);
  return out;
}

/** Fastify's request serializer minus the query string: a `?token=` never reaches the log. */
export function requestWithoutQuery(req: { method?: string; url?: string; host?: string; ip?: string; socket?: { remotePort?: number } }) {
  return { method: req.method, url: req.url?.split('?')[0], host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

/** Log fields that have a serializer below. */
const SERIALIZED = new Set(['req', 'res']);

export interface LoggerConfig {
  level: string;
  secrets?: SecretRegistry;
  /** Test hook: write somewhere else than stdout. */
  destination?: pino.DestinationStream;
}

export function loggerOptions(config: LoggerConfig): LoggerOptions {
  const registry = config.secrets ?? new SecretRegistry();
  return {
    level: config.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req) => scrubDeep(requestWithoutQuery(req), registry),
      res: (reply: { statusCode?: number }) => ({ statusCode: reply.statusCode }),
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => scrubDeep(a, registry)) as Parameters<typeof method>);
      },
    },
  };
}

export function createLogger(config: LoggerConfig): Logger {
  return config.destination ? pino(loggerOptions(config), config.destination) : pino(loggerOptions(config));
}
