/**
 * Messages sent outside the outbound queue (command replies, flow questions, approval requests,
 * expiry notices) wait out Telegram's 429 `retry_after` and try again, a bounded number of times;
 * other errors are never retried, and the API the outbound queue and the live tail use (they
 * honour 429 themselves) does not retry at all. Real 429 answers from the Bot API stand-in.
 */
import { GrammyError } from 'grammy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOOD_RETRY } from '../../src/bot/flood-retry.js';
import { createBotHarness, type BotHarness } from '../support/bot-harness.js';
import { rejectionOf } from '../support/rejection.js';

let h: BotHarness;
beforeAll(async () => {
  h = await createBotHarness({ env: { ACCESS_MODE: 'approval', ADMIN_TELEGRAM_IDS: '1300' } });
  await h.user(1300).send('/start');
});
afterAll(async () => h?.close());

const statuses = (chat: number, method = 'sendMessage') =>
  h.api
    .callsTo(method)
    .filter((c) => c.chatId === String(chat))
    .map((c) => c.status);

describe('429 outside the outbound queue', () => {
  it('retries a command reply after retry_after', async () => {
    const admin = h.user(1300);
    const before = statuses(1300).length;
    h.api.failNext({ code: 429, retryAfter: 1, chatId: 1300, method: 'sendMessage' });
    await admin.send('/help');
    expect(statuses(1300).slice(before)).toEqual([429, 200]);
    expect(admin.lastText()).toContain('/create — Create a trading agent');
  });

  it("retries a flow question, and the flood wait never enters the flow's stored state", async () => {
    const admin = h.user(1300);
    await admin.send('/create');
    const before = statuses(1300).length;
    h.api.failNext({ code: 429, retryAfter: 1, chatId: 1300, method: 'sendMessage' });
    await admin.press('f:sym:BTCUSDT');
    expect(statuses(1300).slice(before)).toEqual([429, 200]);
    expect(admin.lastText()).toContain('Name the agent');
    // The retry runs beneath the conversation's replay log: a later replay does not wait again.
    expect(JSON.stringify(await h.store.list('flow:1300:'))).not.toContain('retry_after');
    await admin.press('f:name:default');
    expect(admin.lastText()).toContain('How much capital');
    await admin.send('/cancel');
  });

  it('retries an approval request to an admin and an expiry notice', async () => {
    h.api.failNext({ code: 429, retryAfter: 1, chatId: 1300, method: 'sendMessage' });
    const before = statuses(1300).length;
    await h.user(1301).send('/start');
    expect(statuses(1300).slice(before)).toEqual([429, 200]);
    expect(h.user(1300).lastText()).toContain('Access request from Trader1301');

    await h.user(1300).send('/create');
    h.clock.now += 11 * 60_000;
    const beforeSweep = statuses(1300).length;
    h.api.failNext({ code: 429, retryAfter: 1, chatId: 1300, method: 'sendMessage' });
    expect(await h.artic.sweepIdleFlows()).toBe(1);
    expect(statuses(1300).slice(beforeSweep)).toEqual([429, 200]);
    expect(h.user(1300).lastText()).toContain('⌛ /create expired');
  });

  it('gives up after a bounded number of attempts', async () => {
    const before = statuses(1300).length;
    h.api.failNext({ code: 429, retryAfter: 1, chatId: 1300, method: 'sendMessage', times: FLOOD_RETRY.maxRetryAttempts + 1 });
    await h.user(1300).send('/help');
    expect(statuses(1300).slice(before)).toEqual(Array(FLOOD_RETRY.maxRetryAttempts + 1).fill(429));
    expect(h.logs.some((l) => l.includes('Telegram refused a call') && l.includes('"code":429'))).toBe(true);
  });

  it('does not wait when retry_after is above the cap, and never retries other errors', async () => {
    const admin = h.user(1300);
    for (const failure of [
      { code: 429, retryAfter: FLOOD_RETRY.maxDelaySeconds + 1 },
      { code: 400, description: "Bad Request: can't parse entities" },
      { code: 500, description: 'Internal Server Error' },
    ]) {
      const before = statuses(1300).length;
      h.api.failNext({ ...failure, chatId: 1300, method: 'sendMessage' });
      await admin.send('/help');
      expect(statuses(1300).slice(before)).toEqual([failure.code]);
    }
  });

  it('the API for senders that honour 429 themselves (outbound queue, live tail) does not retry', async () => {
    const before = statuses(1300).length;
    h.api.failNext({ code: 429, retryAfter: 1, chatId: 1300, method: 'sendMessage' });
    const error = await rejectionOf(h.artic.directApi.sendMessage(1300, 'queued alert'));
    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).parameters.retry_after).toBe(1);
    expect(statuses(1300).slice(before)).toEqual([429]);
  });
});
