/**
 * What happens to an update while a flow (a conversation) is open, before the flow sees it.
 * Mounted after the conversations plugin is installed and after the secret intake, before the
 * flows themselves.
 *
 * - A command for this bot ends the open flow, one line says so, and the command runs exactly as
 *   it would outside a flow (BotFather does the same): `/stop`, `/panic` and `/agents` are never
 *   refused because a menu is open, and `/create` during `/secrets` starts a fresh /create.
 *   `/cancel` stays the flow's own; an unknown command leaves the flow open (the flow says so).
 *   An admin-only command (/broadcast) takes over for admins and is unknown to everyone else.
 * - A button of another feature (an agent card's ⏸ Stop, say) ends the flow the same way.
 * - A key-shaped message at any step is deleted at once and the trader told; it never reaches the
 *   flow, so it is neither taken as an answer nor kept in the flow's stored replay log. (At a
 *   secret prompt the intake has already taken it.)
 * - A secret prompt lives only as long as its flow: when no flow is open after the update, the
 *   pending-secret marker is cleared, so the next ordinary message is not swallowed as a key.
 */
import { Composer } from 'grammy';
import type { BotContext } from './context.js';
import { PANIC_FLOW } from './features/agents.js';
import { BACKTEST_FLOW } from './features/backtest.js';
import { CREATE_FLOW } from './features/create-agent.js';
import { EDIT_FLOW } from './features/edit-agent.js';
import { deleteFromChat, looksLikeApiKey, SECRETS_FLOW } from './features/secrets.js';
import { isFlowButton, isForBot, openFlows, parseCommand } from './flow.js';
import { chatUserKey } from './session-storage.js';

/** The command that opens each flow, by conversation id. */
const FLOW_COMMANDS: Record<string, string> = {
  [CREATE_FLOW]: '/create',
  [EDIT_FLOW]: '/edit',
  [SECRETS_FLOW]: '/secrets',
  [PANIC_FLOW]: '/panic',
  [BACKTEST_FLOW]: '/backtest',
};

/** "/create", "/create, /secrets" — or an empty string for no flows. */
export function flowNames(ids: readonly string[]): string {
  return ids.map((id) => FLOW_COMMANDS[id] ?? id).join(', ');
}

export interface FlowGuardOptions {
  /** Every command some feature answers; other commands leave a flow open. */
  knownCommands: ReadonlySet<string>;
  /** Commands answered for admins only (/broadcast): known to admins, unknown (so the flow stays open) to everyone else. */
  adminCommands?: ReadonlySet<string>;
}

export function createFlowGuard(options: FlowGuardOptions): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  /** True when the update may go on to the flows and features; false when it was dealt with here. */
  async function guard(ctx: BotContext, open: string[]): Promise<boolean> {
    const text = ctx.message?.text;
    const command = text === undefined ? undefined : parseCommand(text);
    const known = (name: string) => options.knownCommands.has(name) || (ctx.trader?.isAdmin === true && !!options.adminCommands?.has(name));
    const takesOver =
      command && command.name !== 'cancel' && known(command.name) && isForBot(command, ctx.me.username) ? command : undefined;
    const data = ctx.callbackQuery?.data;
    if (takesOver || (data !== undefined && !isFlowButton(data))) {
      await ctx.conversation.exitAll();
      delete ctx.session.pendingSecret;
      await ctx.reply(`✖️ ${flowNames(open)} closed${takesOver ? ` to run /${takesOver.name}` : ''}.`);
      return true;
    }
    if (text !== undefined && looksLikeApiKey(text)) {
      const gone = (await deleteFromChat(ctx))
        ? 'so I deleted your message'
        : 'but I could not delete your message — please delete it yourself';
      await ctx.reply(
        `🔐 That looks like an API key, ${gone}. Nothing was stored: I take a key only right after I ask for one. Answer the question above, or send /cancel.`,
      );
      return false;
    }
    return true;
  }

  composer.use(async (ctx, next) => {
    if (chatUserKey(ctx) === undefined) return next();
    const open = openFlows(ctx);
    if (open.length && !(await guard(ctx, open))) return;
    await next();
    if (ctx.session.pendingSecret && openFlows(ctx).length === 0) delete ctx.session.pendingSecret;
  });
  return composer;
}
