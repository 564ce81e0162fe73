/**
 * The agent card (its text and buttons) and the routing of those buttons. Every button is
 * `ag:<action>:<agent id>`; the agent is looked up scoped to the caller, so another user's agent
 * answers exactly like a missing one. Each agents feature (./agents.ts, ./agent-control.ts,
 * ./agent-delete.ts) routes its own actions here.
 */
import { InlineKeyboard, type Composer } from 'grammy';
import type { AgentView } from '../../hub/agents/agent-view.js';
import { HubError } from '../../hub/errors.js';
import type { BotContext } from '../context.js';
import { controlButtons } from '../control-buttons.js';
import { editInPlace } from '../edit-in-place.js';
import { cardCostLine } from '../cost-format.js';
import { agentCard, holdsPositionStopped, isActive } from '../format.js';
import type { BotServices } from '../services.js';

const html = { parse_mode: 'HTML' as const };

/** The registered trader behind the update (the access feature lets only active users through). */
export const traderId = (ctx: BotContext): string => ctx.trader!.id;

/**
 * The Mini App page of agent `agentId` (`PUBLIC_URL/app?agent=<id>`), or undefined when there is no
 * PUBLIC_URL. The agent rides in the query string: Telegram puts its launch data in the fragment.
 */
export function dashboardAgentUrl(publicUrl: string | undefined, agentId: string): string | undefined {
  return publicUrl ? `${publicUrl}/app?agent=${agentId}` : undefined;
}

/** `dashboardUrl`: adds an Open in dashboard (web app) button; Telegram allows those in private chats only. */
export function agentKeyboard(a: AgentView, dashboardUrl?: string): InlineKeyboard {
  const keyboard = new InlineKeyboard()
    .text('🔄 Refresh', `ag:r:${a.id}`)
    .text('📜 Logs', `ag:l:${a.id}`)
    .text('📡 Tail', `tail:${a.id}`)
    .row()
    .text(isActive(a) ? '⏸ Stop' : '▶️ Start', `ag:${isActive(a) ? 's' : 'g'}:${a.id}`)
    .text('✏️ Edit', `ag:e:${a.id}`)
    .text('🗑 Delete', `ag:d:${a.id}`)
    .row()
    .text('🧪 Backtest these settings', `ag:b:${a.id}`); // ./backtest.ts
  // Force exit / Pause / Resume: ./agent-controls.ts.
  const controls = controlButtons(a);
  if (controls.length) keyboard.row().add(...controls);
  if (holdsPositionStopped(a)) keyboard.row().text('✖️ Close position now', `ag:c:${a.id}`);
  return dashboardUrl ? keyboard.row().webApp('📊 Open in dashboard', dashboardUrl) : keyboard;
}

/** The card's keyboard for the chat of `ctx` (the dashboard button in a private chat when PUBLIC_URL is set). */
export function cardKeyboard(ctx: BotContext, services: Pick<BotServices, 'publicUrl'>, a: AgentView): InlineKeyboard {
  return agentKeyboard(a, ctx.chat?.type === 'private' ? dashboardAgentUrl(services.publicUrl, a.id) : undefined);
}

/** The card's text, with the agent's LLM spend. */
export async function cardText(services: Pick<BotServices, 'hub' | 'clock'>, a: AgentView): Promise<string> {
  return agentCard(a, services.clock(), cardCostLine(a.llmTokens, await services.hub.llmCosts.ofAgent(a.ownerId, a.id)));
}

/** The card, in place of the message a button was pressed on. */
export async function editCard(ctx: BotContext, a: AgentView, services: Pick<BotServices, 'hub' | 'clock' | 'publicUrl'>): Promise<void> {
  await editInPlace(ctx, await cardText(services, a), { ...html, reply_markup: cardKeyboard(ctx, services, a) });
}

/** The caller's agent `agentId` that a pressed button names; undefined once the caller is told it is gone. */
export async function agentOfButton(ctx: BotContext, hub: BotServices['hub'], agentId: string): Promise<AgentView | undefined> {
  try {
    return await hub.agents.find(traderId(ctx), agentId);
  } catch (error) {
    if (!(error instanceof HubError)) throw error;
    await ctx.answerCallbackQuery({ text: 'That agent does not exist (any more).', show_alert: true });
    return undefined;
  }
}

// r refresh · l logs · s stop · g start · e edit · d delete? · D delete · X close and delete ·
// k keep/cancel · c close now (from a card or a stop reply) · C close now (from the /panic list) ·
// b backtest these settings
export type AgentAction = 'r' | 'l' | 's' | 'g' | 'e' | 'd' | 'D' | 'X' | 'k' | 'c' | 'C' | 'b';

/** Routes the buttons `ag:<one of actions>:<agent id>` to `handle`, with the caller's agent. */
export function onAgentButton(
  composer: Composer<BotContext>,
  hub: BotServices['hub'],
  actions: readonly AgentAction[],
  handle: (ctx: BotContext, action: AgentAction, a: AgentView) => Promise<unknown>,
): void {
  composer.callbackQuery(new RegExp(`^ag:([${actions.join('')}]):([0-9a-f-]{36})$`), async (ctx) => {
    const [, action, id] = ctx.match as unknown as [string, AgentAction, string];
    const a = await agentOfButton(ctx, hub, id);
    return a && handle(ctx, action, a);
  });
}
