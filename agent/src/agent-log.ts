/**
 * The agent's logger. Every line goes to stdout as one JSON object per line (the process
 * runtime and `docker logs` capture it); lines at or above `info` also go to the hub sink once a
 * session has one. Messages must never contain the agent token or other secrets: callers pass
 * plain descriptions, and URLs are logged without credentials (`safeUrl`).
 */
import type { EngineLog } from '../../src/engine/ports.js';
import type { WireLogLevel } from '../../src/shared/wire.js';

export { errorMessage } from '../../src/engine/ports.js';

export interface AgentLog extends EngineLog {
  /** A logger with the same stdout but another hub sink (null: stdout only). */
  withSink(sink: LogSink | null): AgentLog;
}

/** Receives entries for the hub, e.g. `HubClient.log`. */
export type LogSink = (level: WireLogLevel, message: string, ts: string) => void;

export interface AgentLogOptions {
  agentId: string;
  /** Writes one line (without the newline). Default: `process.stdout`. */
  write?: (line: string) => void;
  sink?: LogSink | null;
  now?: () => number;
  /** Lowest level pushed to the hub. Default `info` (debug stays on stdout). */
  hubLevel?: WireLogLevel;
}

const RANK: Record<WireLogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createAgentLog(opts: AgentLogOptions): AgentLog {
  const write = opts.write ?? ((line: string) => void process.stdout.write(line + '\n'));
  const now = opts.now ?? Date.now;
  const hubRank = RANK[opts.hubLevel ?? 'info'];
  const sink = opts.sink ?? null;

  function emit(level: WireLogLevel, message: string): void {
    const ts = new Date(now()).toISOString();
    write(JSON.stringify({ time: ts, level, agent: opts.agentId, msg: message }));
    if (sink && RANK[level] >= hubRank) sink(level, message, ts);
  }

  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
    withSink: (next) => createAgentLog({ ...opts, write, now, sink: next }),
  };
}

/** `url` without user info, query or fragment, for log lines. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}
