/**
 * Flows nobody answers for 10 minutes end: lazily, when the chat's next update arrives (the
 * middleware), and by the periodic sweep for chats that never write again. Either way the chat is
 * told once and a pending secret prompt is cleared, so a later message is not taken as a key.
 */
import { GrammyError, type Api, type MiddlewareFn } from 'grammy';
import type { Logger } from '../logger.js';
import type { BotContext } from './context.js';
import { looksLikeApiKey } from './features/secrets.js';
import { flowNames } from './flow-guard.js';
import { chatUserKey, FLOW_IDLE_MS, type FlowStorage } from './session-storage.js';

function expiredText(flows: string[]): string {
  const names = flowNames(flows) || 'Your flow';
  return `⌛ ${names} expired after 10 minutes without an answer. Nothing more was saved; send the command again to start over.`;
}

/** Ends the chat's flow when it has been idle too long, before anything else sees the update. */
export function expireIdleFlow(flows: FlowStorage, clock: () => number): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const key = chatUserKey(ctx);
    const flow = key ? await flows.peek(key) : undefined;
    if (key && flow && clock() - flow.touchedAt > FLOW_IDLE_MS) {
      await flows.forget(key);
      delete ctx.session.pendingSecret;
      await ctx.reply(expiredText(Object.keys(flow.state?.state ?? {})));
      // A late answer to the expired flow is not meant for anything else; a command still runs,
      // and a late key still goes to the guard that deletes it from the chat.
      if (ctx.callbackQuery) return void (await ctx.answerCallbackQuery().catch(() => undefined));
      const text = ctx.message?.text ?? '';
      if (!text.startsWith('/') && !looksLikeApiKey(text)) return;
    }
    return next();
  };
}

/** Expires every flow idle at `clock()` and tells its chat; returns how many. */
export async function sweepIdleFlows(flows: FlowStorage, api: Pick<Api, 'sendMessage'>, clock: () => number, log: Logger): Promise<number> {
  const idle = await flows.idle(clock());
  for (const flow of idle) {
    await flows.forget(flow.key);
    await flows.clearPendingSecret(flow.key);
    await api.sendMessage(flow.chatId, expiredText(flow.flows)).catch((error: unknown) => {
      log.warn(
        { chatId: flow.chatId, reason: error instanceof GrammyError ? error.description : String(error) },
        'could not tell a chat its flow expired',
      );
    });
  }
  return idle.length;
}
