/**
 * Arguments of the commands that take `[agent] [n]` (/trades, /profit, /daily…). Agent names may
 * hold spaces, so a trailing number is the count and everything before it is the agent (a name,
 * an id or an id prefix, resolved by the hub within the caller's agents); a lone number is only
 * the count, unless it has more digits than any count (an id prefix of digits only).
 */
import { HubError } from '../hub/errors.js';
import type { AgentView } from '../hub/agents/agent-view.js';
import type { BotContext } from './context.js';
import type { BotServices } from './services.js';

export interface CountRange {
  min: number;
  max: number;
  /** A letter the number may end in (`d`: `/profit 30d`). */
  suffix?: string;
}

/** The agent ref and the count (each undefined when not given), or `badCount` for a number outside the range. */
export type RefAndCount = { ref: string | undefined; count: number | undefined } | { badCount: string };

/** Splits `text` into the agent ref and the count (see the module comment). */
export function parseRefAndCount(text: string, range: CountRange): RefAndCount {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const last = words.at(-1);
  // Something meant as a number (so a bad one is an error, not part of a name: names hold no commas).
  const numberLike = new RegExp(`^[+-]?\\d+([.,]\\d*)?${range.suffix ? `${range.suffix}?` : ''}$`, 'i');
  if (last === undefined || !numberLike.test(last)) return { ref: words.join(' ') || undefined, count: undefined };
  // A lone number longer than any count is an agent id prefix that happens to be all digits ("26270336").
  if (words.length === 1 && /^\d+$/.test(last) && last.length > String(range.max).length) return { ref: last, count: undefined };
  const count = Number(range.suffix ? last.replace(new RegExp(`${range.suffix}$`, 'i'), '') : last);
  if (!Number.isInteger(count) || count < range.min || count > range.max) return { badCount: last };
  return { ref: words.slice(0, -1).join(' ') || undefined, count };
}

/** `The number of days must be a whole number from 1 to 3650, e.g. /profit btc-bot 30.` */
export function countError(noun: string, range: CountRange, example: string): string {
  return `⚠️ The number of ${noun} must be a whole number from ${range.min} to ${range.max}, e.g. ${example}`;
}

/** Who a report covers: all the caller's agents, or one of them. */
export interface ReportTarget {
  agentId?: string;
  /** "all agents" or the agent's name (raw, unescaped). */
  label: string;
  agent?: AgentView;
}

/**
 * The caller's agent `ref` (throws the hub's not-found error, which the bot says, for a missing
 * or another user's agent), or all their agents when there is no ref.
 */
export async function reportTarget(services: BotServices, ctx: BotContext, ref: string | undefined): Promise<ReportTarget> {
  if (!ref) return { label: 'all agents' };
  const agent = await services.hub.agents.find(ctx.trader!.id, ref);
  return { agentId: agent.id, label: agent.name, agent };
}

/** As `reportTarget` for an agent id from a button; undefined when it is not the caller's (any more). */
export async function buttonTarget(services: BotServices, ctx: BotContext, agentId: string | undefined): Promise<ReportTarget | undefined> {
  try {
    return await reportTarget(services, ctx, agentId);
  } catch (error) {
    if (error instanceof HubError) return undefined;
    throw error;
  }
}
