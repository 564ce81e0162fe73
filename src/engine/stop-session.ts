/**
 * The bounded stop of a session: the current tick gets a grace period, then in-flight requests
 * are abandoned; closing the position (when asked) gets what remains of the deadline. Those
 * bounds are wall-clock waits on `timers`, separate from the trading clock.
 */
import type { AgentStatus } from '../shared/wire.js';
import type { Clock } from '../shared/clock.js';
import { AgentStoppingError } from './ports.js';
import { closePosition } from './position-orders.js';
import { pushStatus, sessionStatus, type EngineSession } from './session.js';

export interface StopOptions {
  closePosition: boolean;
  reason: string;
  /** Upper bound for the whole stop, wall-clock ms. */
  deadlineMs: number;
}

/** The running loop as `stop` sees it. */
export interface RunningLoop {
  readonly done: Promise<void>;
  ended(): boolean;
}

export interface StopTiming {
  /** Wall-clock waits. */
  timers: Clock;
  /** How long the current tick may finish before it is abandoned, ms. */
  graceMs: number;
}

/** Stops the loop of a running session, closes the position when asked, pushes the final status. */
export async function stopSession(s: EngineSession, loop: RunningLoop, opts: StopOptions, timing: StopTiming): Promise<AgentStatus> {
  const { timers } = timing;
  const startedAt = timers.now();
  s.state = 'stopping';
  s.stopRequested = true;
  s.wake.abort();
  pushStatus(s);
  const graceCtl = new AbortController();
  await Promise.race([loop.done, timers.sleep(Math.min(timing.graceMs, opts.deadlineMs / 2), graceCtl.signal)]);
  graceCtl.abort();
  if (!loop.ended()) {
    s.hard.abort();
    await loop.done;
  }
  if (opts.closePosition && s.position && s.state === 'stopping') {
    const left = Math.max(500, opts.deadlineMs - (timers.now() - startedAt) - 250);
    await closeWithin(s, timers, left, opts);
  }
  if (s.state === 'stopping') {
    s.state = 'stopped';
    s.lastAction = `STOP: ${opts.reason}`;
    s.log.info(`stopped: ${opts.reason}${s.position ? ' (position left open)' : ''}`);
  }
  pushStatus(s);
  return sessionStatus(s);
}

/** Closes the position, abandoning the order after `ms` wall-clock ms (it then stays open in the hub). */
async function closeWithin(s: EngineSession, timers: Clock, ms: number, opts: StopOptions): Promise<void> {
  const closeCtl = new AbortController();
  const timerCtl = new AbortController();
  void timers.sleep(ms, timerCtl.signal).then(() => closeCtl.abort());
  try {
    await closePosition(s, `stop: ${opts.reason}`, closeCtl.signal);
  } catch (err) {
    if (!(err instanceof AgentStoppingError)) throw err;
    s.log.error(`stop: could not close the position within ${opts.deadlineMs} ms; it stays open in the hub`);
  } finally {
    timerCtl.abort();
  }
}
