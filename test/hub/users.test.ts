import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserService } from '../../src/hub/users.js';
import type { Orm } from '../../src/db/orm.js';
import { createLogger } from '../../src/logger.js';
import { createTestOrm } from '../support/db.js';

let orm: Orm;
let close: () => Promise<void>;
beforeAll(async () => ({ orm, close } = await createTestOrm('users')));
afterAll(() => close?.());

describe('user registration by access mode', () => {
  it('open: everyone is active; registering twice is idempotent', async () => {
    const users = createUserService({ orm, accessMode: 'open', adminIds: [1] });
    const first = await users.register(100, 'Ann', 'ann');
    expect(first).toMatchObject({ created: true, user: { status: 'active', isAdmin: false, username: 'ann', admittedVia: 'open' } });
    const again = await users.register(100, 'Ann B', 'ann');
    expect(again.created).toBe(false);
    expect(again.user).toMatchObject({ id: first.user.id, displayName: 'Ann B' });
  });

  it('approval: new users wait (admins are asked once), admins are active, a decision sticks', async () => {
    const users = createUserService({ orm, accessMode: 'approval', adminIds: [900] });
    const pending = await users.register(200, 'Pending');
    expect(pending).toMatchObject({ askAdmins: true, user: { status: 'pending', admittedVia: null } });
    expect((await users.register(200, 'Pending')).askAdmins).toBe(false);
    expect(await users.isAdmin({ telegramId: 900 })).toBe(true); // listed: an admin before the first /start
    expect(await users.isAdmin({ telegramId: 200 })).toBe(false);
    expect((await users.register(900, 'Admin')).user).toMatchObject({ status: 'active', isAdmin: true, admittedVia: 'admin-list' });
    expect(await users.decide(200, 'approve')).toMatchObject({ status: 'active', admittedVia: 'approved' });
    expect((await users.register(200, 'Pending')).user.status).toBe('active');
  });

  it('allowlist: strangers are denied', async () => {
    const users = createUserService({ orm, accessMode: 'allowlist', adminIds: [901] });
    expect((await users.register(300, 'Stranger')).user.status).toBe('denied');
  });

  it('an admin cannot be denied', async () => {
    const users = createUserService({ orm, accessMode: 'approval', adminIds: [902] });
    await users.register(902, 'Boss');
    await expect(users.decide(902, 'deny')).rejects.toThrow(/is an admin/);
    expect(await users.decide(902, 'approve')).toMatchObject({ status: 'active', isAdmin: true, admittedVia: 'admin-list' });
    expect((await users.byTelegramId(902))!.status).toBe('active');
  });
});

describe('the first user becomes the admin when ADMIN_TELEGRAM_IDS is empty', () => {
  let db: { orm: Orm; close(): Promise<void> };
  beforeAll(async () => (db = await createTestOrm('users_first')));
  afterAll(() => db?.close());

  it('makes exactly one admin of concurrent first /starts, says so loudly, and nobody after', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
    const users = createUserService({ orm: db.orm, accessMode: 'approval', adminIds: [], logger });
    const results = await Promise.all([users.register(5001, 'One'), users.register(5002, 'Two'), users.register(5003, 'Three')]);
    const admins = results.filter((r) => r.user.isAdmin);
    expect(admins).toHaveLength(1);
    expect(admins[0]).toMatchObject({ firstAdmin: true, user: { status: 'active', admittedVia: 'first-user' } });
    for (const r of results.filter((x) => !x.user.isAdmin)) expect(r.user).toMatchObject({ status: 'pending', isAdmin: false });
    expect(lines.filter((l) => l.includes('first user')).map((l) => JSON.parse(l).level)).toEqual([40]);
    expect(lines.join('\n')).toContain(String(admins[0]!.user.telegramId));

    expect((await users.register(5004, 'Later')).user).toMatchObject({ status: 'pending', isAdmin: false });
    expect(await users.isAdmin({ userId: admins[0]!.user.id })).toBe(true);
    expect(await users.isAdmin({ userId: results.find((r) => !r.user.isAdmin)!.user.id })).toBe(false);
    // The admin stays the admin after a restart (a new service over the same rows).
    const again = createUserService({ orm: db.orm, accessMode: 'approval', adminIds: [] });
    expect((await again.register(admins[0]!.user.telegramId, 'One')).user.isAdmin).toBe(true);
    expect(await again.admins()).toEqual([admins[0]!.user.telegramId]);
  });
});

describe('switching ACCESS_MODE', () => {
  let db: { orm: Orm; close(): Promise<void> };
  beforeAll(async () => (db = await createTestOrm('users_switch')));
  afterAll(() => db?.close());

  it('open → approval puts users registered under open back to pending; admins and approved users stay', async () => {
    const open = createUserService({ orm: db.orm, accessMode: 'open', adminIds: [7000] });
    await open.register(7000, 'Admin');
    const walkedIn = (await open.register(7001, 'Walked in')).user;
    expect(walkedIn).toMatchObject({ status: 'active', admittedVia: 'open' });
    const approval = createUserService({ orm: db.orm, accessMode: 'approval', adminIds: [7000] });
    await approval.register(7002, 'Asked');
    await approval.decide(7002, 'approve');

    expect(await approval.syncAccess()).toMatchObject({ pendingAgain: 1 });
    expect(await approval.byTelegramId(7001)).toMatchObject({ status: 'pending', admittedVia: null });
    expect(await approval.byTelegramId(7002)).toMatchObject({ status: 'active', admittedVia: 'approved' });
    expect(await approval.byTelegramId(7000)).toMatchObject({ status: 'active', isAdmin: true });
    // The next /start asks the admins (they were never asked about this user).
    expect((await approval.register(7001, 'Walked in')).askAdmins).toBe(true);
    // A second boot changes nothing more.
    expect(await approval.syncAccess()).toMatchObject({ pendingAgain: 0 });
  });

  it('an id removed from ADMIN_TELEGRAM_IDS is no admin after the next boot', async () => {
    const before = createUserService({ orm: db.orm, accessMode: 'approval', adminIds: [7100] });
    const user = (await before.register(7100, 'Former admin')).user;
    expect(await before.isAdmin({ userId: user.id })).toBe(true);
    const after = createUserService({ orm: db.orm, accessMode: 'approval', adminIds: [7000] });
    await after.syncAccess();
    expect(await after.isAdmin({ userId: user.id })).toBe(false);
    expect(await after.byTelegramId(7100)).toMatchObject({ status: 'pending', isAdmin: false });
  });
});
