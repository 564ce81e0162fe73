/** Last in the chain: unknown commands, stray text, and buttons of flows that are over. */
import { Composer } from 'grammy';
import type { BotContext } from '../context.js';

export function createUnknownFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.on('message:text', async (ctx) => {
    const text = ctx.message.text;
    if (text.startsWith('/')) {
      const command = text.split(/[\s@]/)[0];
      if (command === '/cancel') return ctx.reply('There is nothing to cancel.');
      return ctx.reply(`I don't know ${command}. Send /help for the list of commands.`);
    }
    if (ctx.chat.type === 'private') return ctx.reply('Send /help to see what I can do.');
  });
  composer.on('callback_query:data', (ctx) =>
    ctx.answerCallbackQuery({ text: 'This button belongs to a finished step. Start again with the command.' }),
  );
  return composer;
}
