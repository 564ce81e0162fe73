/**
 * Callback data of buttons that belong to the user who asked for the message: lists that page or
 * refresh (/trades, /agents). The data is `<prefix>:<asker's Telegram id, base 36>:<parts…>`, so a
 * press by anyone else (another admin in a group) is answered with FOREIGN_BUTTON_TEXT instead of
 * putting the presser's data into someone else's message. Numbers in parts are base 36 too: the
 * whole must fit Telegram's 64 bytes.
 */

import type { Context } from 'grammy';

/** Telegram's limit for `callback_data`, in bytes. */
export const CALLBACK_DATA_MAX_BYTES = 64;

export const FOREIGN_BUTTON_TEXT = 'These buttons belong to another user’s message. Send the command yourself to get your own.';

/** Parts must not contain `:`. Throws when the data would exceed Telegram's limit (a programming error). */
export function ownedCallbackData(prefix: string, telegramUserId: number, parts: Array<string | number>): string {
  const data = [prefix, telegramUserId.toString(36), ...parts.map((p) => (typeof p === 'number' ? p.toString(36) : p))].join(':');
  if (Buffer.byteLength(data) > CALLBACK_DATA_MAX_BYTES) throw new Error(`callback data too long (${data.length} bytes): ${prefix}`);
  return data;
}

export interface OwnedCallback {
  /** Telegram id of the user the buttons belong to. */
  telegramUserId: number;
  parts: string[];
}

/** The owner and parts of `data` made by `ownedCallbackData(prefix, …)`, or null when it is not such data. */
export function parseOwnedCallbackData(data: string, prefix: string): OwnedCallback | null {
  const [head, owner, ...parts] = data.split(':');
  if (head !== prefix || !owner || !/^[0-9a-z]+$/.test(owner)) return null;
  return { telegramUserId: parseInt(owner, 36), parts };
}

/** A base-36 part as a non-negative integer, or null when it is not one. */
export function base36Part(part: string | undefined): number | null {
  return part !== undefined && /^[0-9a-z]{1,8}$/.test(part) ? parseInt(part, 36) : null;
}

/**
 * The asker and the value `read` makes of a pressed button's parts; null once the press has been
 * answered instead: `staleText` when the data is not this prefix's or `read` refuses its parts (an
 * old or forged button), FOREIGN_BUTTON_TEXT when someone other than the asker pressed it.
 */
export async function ownedPress<T>(
  ctx: Context,
  prefix: string,
  read: (parts: string[]) => T | null,
  staleText: string,
): Promise<{ asker: number; value: T } | null> {
  const owned = parseOwnedCallbackData(ctx.callbackQuery?.data ?? '', prefix);
  const value = owned && read(owned.parts);
  if (!owned || value === null) {
    await ctx.answerCallbackQuery({ text: staleText, show_alert: true });
    return null;
  }
  if (owned.telegramUserId !== ctx.from?.id) {
    await ctx.answerCallbackQuery({ text: FOREIGN_BUTTON_TEXT, show_alert: true });
    return null;
  }
  return { asker: owned.telegramUserId, value };
}
