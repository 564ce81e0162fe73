/**
 * Telegram Mini App initData checks: against a vector computed here from the spec (test/support/
 * init-data.ts signs independently of the code under test) and against the example published
 * with @telegram-apps/init-data-node (its tests' bot token, fields and hash).
 */
import { describe, expect, it } from 'vitest';
import { InitDataError, verifyInitData } from '../../../src/hub/auth/init-data.js';
import { signInitData } from '../../support/init-data.js';

const TOKEN = '7000000001:AAtest-token-for-init-data';
const NOW_S = 1_780_000_000;
const at = (s: number) => ({ maxAgeSeconds: 3600, nowMs: s * 1000 });

/** https://github.com/Telegram-Mini-Apps/telegram-apps, packages/init-data-node/src/validate.test.ts */
const PUBLISHED = {
  botToken: '5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8',
  initData:
    'auth_date=1&can_send_after=10000&chat=%7B%22id%22%3A1%2C%22type%22%3A%22group%22%2C%22title%22%3A%22chat-title%22%2C%22photo_url%22%3A%22group%22%2C%22username%22%3A%22my-chat%22%7D&chat_instance=888&chat_type=sender&hash=47cfa22e72b887cba90c9cb833c5ea0f599975b6ce7193741844b5c4a4228b40&query_id=QUERY&receiver=%7B%22added_to_attachment_menu%22%3Afalse%2C%22allows_write_to_pm%22%3Atrue%2C%22first_name%22%3A%22receiver-first-name%22%2C%22id%22%3A991%2C%22is_bot%22%3Afalse%2C%22is_premium%22%3Atrue%2C%22language_code%22%3A%22ru%22%2C%22last_name%22%3A%22receiver-last-name%22%2C%22photo_url%22%3A%22receiver-photo%22%2C%22username%22%3A%22receiver-username%22%7D&start_param=debug&user=%7B%22added_to_attachment_menu%22%3Afalse%2C%22allows_write_to_pm%22%3Afalse%2C%22first_name%22%3A%22user-first-name%22%2C%22id%22%3A222%2C%22is_bot%22%3Atrue%2C%22is_premium%22%3Afalse%2C%22language_code%22%3A%22en%22%2C%22last_name%22%3A%22user-last-name%22%2C%22photo_url%22%3A%22user-photo%22%2C%22username%22%3A%22user-username%22%7D',
};

function fault(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof InitDataError) return error.fault;
    throw error;
  }
}

describe('verifyInitData', () => {
  it('accepts the published example for its bot token (its auth_date is 1: checked at second 2)', () => {
    const verified = verifyInitData(PUBLISHED.initData, PUBLISHED.botToken, at(2));
    expect(verified).toMatchObject({ authDate: 1, startParam: 'debug', user: { id: 222, username: 'user-username' } });
    expect(verified.hash).toBe('47cfa22e72b887cba90c9cb833c5ea0f599975b6ce7193741844b5c4a4228b40');
    expect(fault(() => verifyInitData(PUBLISHED.initData, `${PUBLISHED.botToken}A`, at(2)))).toBe('signature');
  });

  it('accepts initData signed from the spec here, in any field order', () => {
    const signed = signInitData({ botToken: TOKEN, user: { id: 42, username: 'ann' }, authDate: NOW_S - 10, extra: { start_param: 'x' } });
    const shuffled = new URLSearchParams([...new URLSearchParams(signed)].reverse()).toString();
    expect(verifyInitData(shuffled, TOKEN, at(NOW_S)).user).toMatchObject({ id: 42, username: 'ann' });
  });

  it('refuses another bot token, an altered field, an added field and a dropped field', () => {
    const signed = signInitData({ botToken: TOKEN, user: { id: 42 }, authDate: NOW_S });
    expect(fault(() => verifyInitData(signed, `${TOKEN}x`, at(NOW_S)))).toBe('signature');
    const altered = new URLSearchParams(signed);
    altered.set('user', JSON.stringify({ id: 43, first_name: 'Trader42' }));
    expect(fault(() => verifyInitData(altered.toString(), TOKEN, at(NOW_S)))).toBe('signature');
    expect(fault(() => verifyInitData(`${signed}&chat_type=private`, TOKEN, at(NOW_S)))).toBe('signature');
    const dropped = new URLSearchParams(signed);
    dropped.delete('query_id');
    expect(fault(() => verifyInitData(dropped.toString(), TOKEN, at(NOW_S)))).toBe('signature');
  });

  it('refuses an auth_date older than the maximum age, or far in the future', () => {
    const old = signInitData({ botToken: TOKEN, user: { id: 42 }, authDate: NOW_S - 3601 });
    expect(fault(() => verifyInitData(old, TOKEN, at(NOW_S)))).toBe('expired');
    expect(fault(() => verifyInitData(old, TOKEN, { maxAgeSeconds: 3601, nowMs: NOW_S * 1000 }))).toBeUndefined();
    const future = signInitData({ botToken: TOKEN, user: { id: 42 }, authDate: NOW_S + 120 });
    expect(fault(() => verifyInitData(future, TOKEN, at(NOW_S)))).toBe('expired');
  });

  it('refuses unreadable data: no hash, a short hash, a repeated key, no user', () => {
    const signed = signInitData({ botToken: TOKEN, user: { id: 42 }, authDate: NOW_S });
    const noHash = new URLSearchParams(signed);
    noHash.delete('hash');
    expect(fault(() => verifyInitData(noHash.toString(), TOKEN, at(NOW_S)))).toBe('malformed');
    expect(fault(() => verifyInitData(signed.replace(/hash=[0-9a-f]+/, 'hash=abc'), TOKEN, at(NOW_S)))).toBe('malformed');
    expect(fault(() => verifyInitData(`${signed}&auth_date=${NOW_S}`, TOKEN, at(NOW_S)))).toBe('malformed');
    const userless = signInitData({ botToken: TOKEN, user: { id: 42 }, authDate: NOW_S, extra: { user: '' } });
    expect(fault(() => verifyInitData(userless, TOKEN, at(NOW_S)))).toBe('malformed');
  });
});
