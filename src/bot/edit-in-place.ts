/**
 * Editing a message the bot sent, in place (Refresh buttons, settings screens, live tails).
 * Telegram refuses an edit that changes nothing with "message is not modified": for a refresh that
 * found nothing new that is success, so it is told apart here, in one place.
 */
import { GrammyError } from 'grammy';
import type { BotContext } from './context.js';

/** True when Telegram refused an edit only because the text and buttons are unchanged. */
export function isNotModified(error: unknown): boolean {
  return error instanceof GrammyError && error.description.includes('message is not modified');
}

/** Edits the message a button was pressed on; an unchanged message is not an error. */
export async function editInPlace(ctx: BotContext, text: string, other?: Parameters<BotContext['editMessageText']>[1]): Promise<void> {
  await ctx.editMessageText(text, other).catch((error: unknown) => {
    if (!isNotModified(error)) throw error;
  });
}
