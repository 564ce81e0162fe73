import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserService } from '../../src/hub/users.js';
import type { Orm } from '../../src/db/orm.js';
import { createTestOrm } from '../support/db.js';

let orm: Orm;
let close: () => Promise<void>;
beforeAll(async () => ({ orm, close } = await createTestOrm('users')));
afterAll(() => close?.());

describe('user registration by access mode', () => {
  it('open: everyone is active; registering twice is idempotent', async () => {
    const users = createUserService({ orm, accessMode: 'open', adminIds: [] });
    const first = await users.register(100, 'Ann', 'ann');
    expect(first).toMatchObject({ created: true, user: { status: 'active', isAdmin: false, username: 'ann' } });
    const again = await users.register(100, 'Ann B', 'ann');
    expect(again.created).toBe(false);
    expect(again.user).toMatchObject({ id: first.user.id, displayName: 'Ann B' });
  });

  it('approval: new users wait, admins are active, a decision sticks', async () => {
    const users = createUserService({ orm, accessMode: 'approval', adminIds: [900] });
    expect((await users.register(200, 'Pending')).user.status).toBe('pending');
    expect((await users.register(900, 'Admin')).user).toMatchObject({ status: 'active', isAdmin: true });
    expect((await users.setStatus(200, 'active'))?.status).toBe('active');
    expect((await users.register(200, 'Pending')).user.status).toBe('active');
  });

  it('allowlist: strangers are denied', async () => {
    const users = createUserService({ orm, accessMode: 'allowlist', adminIds: [901] });
    expect((await users.register(300, 'Stranger')).user.status).toBe('denied');
  });
});
