/**
 * Alerts about the server itself, for its admins (every id in ADMIN_TELEGRAM_IDS and every admin
 * on record): the chain signer's balance below its minimum, the Twelve Data day budget nearly
 * spent, the agent port pool nearly full, and one agent crashing again and again.
 *
 * The balance, credits and ports are read on an interval (`check()`); crashes are counted as the
 * `agent.crashed` events arrive. Each condition alerts once per episode: it fires when its
 * threshold is crossed and stays quiet until the reading has clearly recovered (hysteresis: a pool
 * hovering at 90 % does not alert at every check) or, when it never recovers, until `rearmMs` has
 * passed. Episodes live in memory: a restarted hub alerts a persisting condition once more.
 *
 * Like the alert router, this knows nothing of Telegram: the text comes from the injected
 * `format` (src/bot/alert-format.ts) and goes to the injected sink (the bot's outbound queue).
 */
import { formatEther, parseUnits } from 'ethers';
import type { Logger } from '../../logger.js';
import type { HubEventMap, HubEvents } from '../events.js';

/** A reading past its threshold, as the admins are told of it. Percentages are 0-100. */
export type OperatorAlert =
  | { kind: 'signer.balance'; /** Native unit (HSK), decimal. */ balance: string; min: string }
  | { kind: 'credits'; used: number; limit: number; pct: number }
  | { kind: 'ports'; used: number; size: number; pct: number }
  | { kind: 'crashes'; agentId: string; agentName: string; count: number; windowMinutes: number; reason: string };

/** Where the readings come from; an absent one is not checked (chain logging off, no Twelve Data key). */
export interface OperatorReadings {
  /** The chain logger's `signerBalanceWei()`. */
  signerBalanceWei?: () => Promise<bigint | null>;
  /** The Twelve Data limiter's `creditsToday()`. */
  creditsToday?: () => Promise<{ used: number; limit: number }>;
  /** The port allocator's `usage()`. */
  portUsage: () => Promise<{ used: number; size: number }>;
}

export interface OperatorThresholds {
  /** Native unit (HSK). */
  signerMinBalance: number;
  creditsPct: number;
  portsPct: number;
  crashCount: number;
  crashWindowMs: number;
  /** A condition that never recovers is alerted again after this long (ms). */
  rearmMs: number;
}

/** The outbound queue's `enqueue`, as far as these alerts use it. */
export interface OperatorAlertSink {
  enqueue(message: { chatId: number; eventType: string; text: string; silent: boolean }): unknown;
}

export interface OperatorAlertsDeps {
  readings: OperatorReadings;
  thresholds: OperatorThresholds;
  events: HubEvents;
  /** Telegram ids of the admins (`UserService.admins`). */
  admins: () => Promise<number[]>;
  /** Renders an alert as Telegram HTML (src/bot/alert-format.ts `formatOperatorAlert`). */
  format: (alert: OperatorAlert) => string;
  sink: OperatorAlertSink;
  /** How often `check()` runs once started (ms). */
  intervalMs: number;
  logger?: Logger;
  now?: () => number;
}

export interface OperatorAlerts {
  /** Reads balance, credits and ports once; resolves with the alerts it queued. */
  check(): Promise<OperatorAlert[]>;
  /** Counts one crash (the `agent.crashed` listener calls this; tests may too); resolves with the alert it queued, if any. */
  crashed(data: HubEventMap['agent.crashed']): Promise<OperatorAlert | null>;
  /** Checks now and every `intervalMs`, and listens for crashes; idempotent. */
  start(): void;
  /** Stops the timer and the listeners and waits for checks in progress. */
  stop(): Promise<void>;
  /** Resolves when the checks and crash counts started by the timer or events are done (tests). */
  settled(): Promise<void>;
}

/** A percentage must fall this many points under its threshold to count as recovered. */
export const PCT_RECOVERY_POINTS = 5;
/** The signer's balance must rise this fraction above the minimum to count as recovered. */
export const BALANCE_RECOVERY_FRACTION = 0.1;

/** Which conditions are in an episode, and since when (their last alert). */
function createEpisodes(rearmMs: number, now: () => number) {
  const alertedAt = new Map<string, number>();
  return {
    /** The condition holds: true when this is news (a new episode, or re-armed after `rearmMs`). */
    holds(key: string): boolean {
      const at = alertedAt.get(key);
      if (at !== undefined && now() - at < rearmMs) return false;
      alertedAt.set(key, now());
      return true;
    },
    recovered(key: string): void {
      alertedAt.delete(key);
    },
  };
}

type Episodes = ReturnType<typeof createEpisodes>;

const pctOf = (used: number, size: number) => (size > 0 ? (used / size) * 100 : 0);

/** A percentage reading: alert at or over `threshold`, recovered below it by PCT_RECOVERY_POINTS. */
function judgePct(episodes: Episodes, key: string, pct: number, threshold: number): boolean {
  if (pct >= threshold) return episodes.holds(key);
  if (pct < threshold - PCT_RECOVERY_POINTS) episodes.recovered(key);
  return false;
}

async function readSigner(deps: OperatorAlertsDeps, episodes: Episodes): Promise<OperatorAlert | null> {
  const balanceWei = await deps.readings.signerBalanceWei?.();
  if (balanceWei === undefined || balanceWei === null) return null;
  const minWei = parseUnits(deps.thresholds.signerMinBalance.toFixed(18), 18);
  const recoveredAt = minWei + (minWei * BigInt(Math.round(BALANCE_RECOVERY_FRACTION * 1000))) / 1000n;
  if (balanceWei < minWei) {
    return episodes.holds('signer.balance') ? { kind: 'signer.balance', balance: formatEther(balanceWei), min: formatEther(minWei) } : null;
  }
  if (balanceWei >= recoveredAt) episodes.recovered('signer.balance');
  return null;
}

async function readCredits(deps: OperatorAlertsDeps, episodes: Episodes): Promise<OperatorAlert | null> {
  const credits = await deps.readings.creditsToday?.();
  if (!credits || !Number.isFinite(credits.limit)) return null;
  const pct = pctOf(credits.used, credits.limit);
  return judgePct(episodes, 'credits', pct, deps.thresholds.creditsPct) ? { kind: 'credits', ...credits, pct } : null;
}

async function readPorts(deps: OperatorAlertsDeps, episodes: Episodes): Promise<OperatorAlert | null> {
  const usage = await deps.readings.portUsage();
  const pct = pctOf(usage.used, usage.size);
  return judgePct(episodes, 'ports', pct, deps.thresholds.portsPct) ? { kind: 'ports', ...usage, pct } : null;
}

/** Crash times per agent within the window; an agent quiet for a whole window has recovered. */
function createCrashLog(windowMs: number, now: () => number, episodes: Episodes) {
  const times = new Map<string, number[]>();
  const recent = (list: number[]) => list.filter((t) => now() - t < windowMs);
  const forget = (agentId: string) => {
    times.delete(agentId);
    episodes.recovered(`crashes:${agentId}`);
  };
  return {
    /** Counts a crash now; returns the crashes within the window. */
    add(agentId: string): number {
      const list = recent([...(times.get(agentId) ?? []), now()]);
      times.set(agentId, list);
      return list.length;
    },
    prune(): void {
      for (const [agentId, list] of times) {
        const kept = recent(list);
        if (kept.length) times.set(agentId, kept);
        else forget(agentId);
      }
    },
    forget,
  };
}

export function createOperatorAlerts(deps: OperatorAlertsDeps): OperatorAlerts {
  const now = deps.now ?? Date.now;
  const { crashCount, crashWindowMs } = deps.thresholds;
  const episodes = createEpisodes(deps.thresholds.rearmMs, now);
  const crashes = createCrashLog(crashWindowMs, now, episodes);
  const inProgress = new Set<Promise<unknown>>();
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: Array<() => void> = [];
  let checking: Promise<OperatorAlert[]> | undefined;

  async function send(alert: OperatorAlert): Promise<void> {
    const text = deps.format(alert);
    for (const chatId of await deps.admins()) deps.sink.enqueue({ chatId, eventType: 'operator', text, silent: false });
  }

  async function runCheck(): Promise<OperatorAlert[]> {
    crashes.prune();
    const sent: OperatorAlert[] = [];
    for (const read of [readSigner, readCredits, readPorts]) {
      try {
        const alert = await read(deps, episodes);
        if (alert) sent.push(alert);
      } catch (err) {
        deps.logger?.warn({ err, reading: read.name }, 'operator alert reading failed');
      }
    }
    for (const alert of sent) await send(alert);
    return sent;
  }

  async function crashed(data: HubEventMap['agent.crashed']): Promise<OperatorAlert | null> {
    const count = crashes.add(data.agentId);
    if (count < crashCount || !episodes.holds(`crashes:${data.agentId}`)) return null;
    const alert: OperatorAlert = {
      kind: 'crashes',
      agentId: data.agentId,
      agentName: data.agentName,
      count,
      windowMinutes: Math.round(crashWindowMs / 60_000),
      reason: data.reason,
    };
    await send(alert);
    return alert;
  }

  function detached(work: Promise<unknown>, what: string): void {
    const p = work.catch((err: unknown) => deps.logger?.error({ err }, `operator alert ${what} failed`));
    inProgress.add(p);
    void p.finally(() => inProgress.delete(p));
  }

  /** One check at a time: a slow RPC node must not pile checks up. */
  function check(): Promise<OperatorAlert[]> {
    checking ??= runCheck().finally(() => (checking = undefined));
    return checking;
  }

  return {
    check,
    crashed,
    start() {
      if (timer) return;
      unsubscribe = [
        deps.events.on('agent.crashed', (data) => detached(crashed(data), 'crash count')),
        deps.events.on('agent.deleted', ({ agentId }) => crashes.forget(agentId)),
      ];
      detached(check(), 'check');
      timer = setInterval(() => detached(check(), 'check'), deps.intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      for (const off of unsubscribe) off();
      unsubscribe = [];
      await Promise.allSettled([...inProgress]);
    },
    async settled() {
      await Promise.allSettled([...inProgress]);
    },
  };
}
