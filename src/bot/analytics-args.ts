/**
 * Arguments of the analytics commands: `[agent] [n]`. Agent names may hold spaces, so a trailing
 * number (`30`, or `30d`) is the count and everything before it is the agent (a name, an id or an
 * id prefix, resolved by the hub within the caller's agents); a lone number is only the count.
 */
import { HubError } from '../hub/errors.js';
import type { AgentView } from '../hub/agents/agent-view.js';
import type { BotContext } from './context.js';
import type { BotServices } from './services.js';

export interface CountRule {
  /** What the number counts, plural ("days"). */
  noun: string;
  min: number;
  max: number;
  /** A correct example of the whole command, e.g. `/profit btc-bot 30`. */
  example: string;
}

export type ParsedArgs = { ref: string | undefined; count: number | undefined } | { error: string };

/** Something the user meant as a number (so a bad one is an error, not part of a name). */
const NUMBER_LIKE = /^[+-]?\d+([.,]\d*)?d?$/i;

/** Splits `text` into the agent ref and the count; a count outside the rule is an error message. */
export function parseRefAndCount(text: string, rule: CountRule): ParsedArgs {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const last = words.at(-1);
  if (last === undefined || !NUMBER_LIKE.test(last)) return { ref: words.join(' ') || undefined, count: undefined };
  const count = Number(last.replace(/d$/i, ''));
  if (!Number.isInteger(count) || count < rule.min || count > rule.max) {
    return { error: `The number of ${rule.noun} must be a whole number from ${rule.min} to ${rule.max}, e.g. ${rule.example}` };
  }
  return { ref: words.slice(0, -1).join(' ') || undefined, count };
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
