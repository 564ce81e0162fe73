/**
 * The process logger (pino). Secrets are removed twice: by path (headers and well-known
 * field names) and by value (every configured secret is scrubbed from messages and errors),
 * so a token that slips into an error string still never reaches the log.
 */
import { createRequire } from 'node:module';
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

/** The fields of a Fastify request that its log line shows. */
interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** Fastify's request serializer minus the query string: a `?token=` never reaches the log. */
export function requestWithoutQuery(req: LoggedRequest) {
  return { method: req.method, url: req.url?.split('?')[0], host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

/** Log fields that have a serializer below. */
const SERIALIZED = new Set(['req', 'res']);

export interface LoggerConfig {
  level: string;
  secrets?: SecretRegistry;
  /** Test hook: write somewhere else than stdout. */
  destination?: pino.DestinationStream;
  /** Readable lines (pino-pretty) instead of JSON; main.ts asks for them when stdout is a terminal. */
  pretty?: boolean;
}

export function loggerOptions(config: LoggerConfig): LoggerOptions {
  const registry = config.secrets ?? new SecretRegistry();
  return {
    level: config.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: LoggedRequest) => scrubDeep(requestWithoutQuery(req), registry),
      res: (reply: { statusCode?: number }) => ({ statusCode: reply.statusCode }),
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => scrubDeep(a, registry)) as Parameters<typeof method>);
      },
    },
  };
}

/** Where `pino-pretty` is installed, or undefined (it is a dependency, but an install may lack it). */
function findPinoPretty(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('pino-pretty');
  } catch {
    return undefined;
  }
}

export function createLogger(config: LoggerConfig): Logger {
  if (config.destination) return pino(loggerOptions(config), config.destination);
  if (!config.pretty) return pino(loggerOptions(config));
  const target = findPinoPretty();
  if (!target) {
    const logger = pino(loggerOptions(config));
    logger.warn('pino-pretty is not installed, so logs stay JSON lines; `npm install` adds it');
    return logger;
  }
  // A transport: the lines are formatted in a worker thread, after redaction in this one.
  const options = { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' };
  return pino({ ...loggerOptions(config), transport: { target, options } });
}
