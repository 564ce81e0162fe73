import { describe, expect, it } from 'vitest';
import { escapeHtml, fmtPnl, splitMessages } from '../../src/bot/format.js';
import { guessSecretNames, looksLikeApiKey } from '../../src/bot/features/secrets.js';
import { createUpdateQueue } from '../../src/bot/update-queue.js';
import { createLogger } from '../../src/logger.js';
import type { Update } from 'grammy/types';

describe('format', () => {
  it('escapes the three characters Telegram HTML needs', () => {
    expect(escapeHtml('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
  });

  it('splits between lines, and cuts an overlong line outside any entity', () => {
    const lines = Array.from({ length: 10 }, (_, i) => `${i}`.repeat(30));
    const parts = splitMessages(lines, 100);
    expect(parts.every((p) => p.length <= 100)).toBe(true);
    expect(parts.join('\n')).toBe(lines.join('\n'));
    const long = escapeHtml('<'.repeat(60)); // 240 chars of &lt;
    const cut = splitMessages([long], 101);
    expect(cut.every((p) => p.length <= 101)).toBe(true);
    expect(cut.join('')).toBe(long);
    for (const p of cut) expect(p).toMatch(/^(&lt;)+$/);
  });

  it('signs PnL', () => {
    expect(fmtPnl(12.5)).toBe('+12.50');
    expect(fmtPnl(-3)).toBe('−3.00');
    expect(fmtPnl(0)).toBe('0.00');
  });
});

describe('key detection', () => {
  it.each([
    ['sk-proj-abcdefghijklmnopqrstuvwx1234', true],
    ['sk-ant-api03-abcdefghijklmnop0123456789', true],
    ['AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStU', true],
    ['Zx8Kq2mP9vL4nR7tW1yB6cF3hJ5dG0sA', true],
    ['hello there, how are you today?', false],
    ['BTCUSDT', false],
    ['0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d', false],
    ['0x52908400098527886E0F7030069857D2E4169EE7', false],
    ['https://example.com/abc123def456ghi789', false],
    ['aaaaaaaaaaaaaaaaaaaaaaaaaaaa1', false],
    ['/logs btc-scalper 50', false],
  ])('%s → %s', (text, expected) => {
    expect(looksLikeApiKey(text)).toBe(expected);
  });

  it('guesses the provider from the prefix', () => {
    expect(guessSecretNames('sk-ant-xyz')[0]).toBe('ANTHROPIC_API_KEY');
    expect(guessSecretNames('sk-xyz').slice(0, 2)).toEqual(['OPENAI_API_KEY', 'DEEPSEEK_API_KEY']);
    expect(guessSecretNames('AIzaXYZ')[0]).toBe('GEMINI_API_KEY');
    expect(guessSecretNames('whatever')).toHaveLength(8);
  });
});

describe('update queue', () => {
  it('keeps one chat in order while other chats run concurrently', async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const queue = createUpdateQueue(
      async (u) => {
        const chat = u.message!.chat.id;
        order.push(`start ${chat}:${u.update_id}`);
        if (u.update_id === 1) await gate;
        order.push(`end ${chat}:${u.update_id}`);
      },
      createLogger({ level: 'silent' }),
    );
    const update = (id: number, chat: number) =>
      ({ update_id: id, message: { message_id: id, date: 0, chat: { id: chat, type: 'private', first_name: 'x' }, text: 'x' } }) as Update;
    queue.push(update(1, 10));
    queue.push(update(2, 10));
    queue.push(update(3, 20));
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['start 10:1', 'start 20:3', 'end 20:3']);
    release();
    await queue.drain();
    expect(order).toEqual(['start 10:1', 'start 20:3', 'end 20:3', 'end 10:1', 'start 10:2', 'end 10:2']);
    expect(queue.size()).toBe(0);
  });
});
