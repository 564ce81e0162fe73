/**
 * Traders. The Telegram account is the identity: `register` is idempotent and applies the
 * access mode (open: active at once; allowlist: only admins and approved users; approval: new
 * users wait for an admin's decision).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { UserSchema, type User, type UserStatus } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import type { AccessMode } from '../config.js';

export interface UserView {
  id: string;
  telegramId: number;
  displayName: string;
  username: string | null;
  status: UserStatus;
  isAdmin: boolean;
}

export interface RegisterResult {
  user: UserView;
  /** True the first time this Telegram account is seen. */
  created: boolean;
}

export interface UserService {
  register(telegramId: number, displayName: string, username?: string | null): Promise<RegisterResult>;
  byTelegramId(telegramId: number): Promise<UserView | undefined>;
  byId(userId: string): Promise<UserView | undefined>;
  setStatus(telegramId: number, status: UserStatus): Promise<UserView | undefined>;
  admins(): number[];
}

function view(u: User): UserView {
  return { id: u.id, telegramId: Number(u.telegramId), displayName: u.displayName, username: u.username ?? null, status: u.status, isAdmin: u.isAdmin };
}

export function createUserService({ orm, accessMode, adminIds }: { orm: Orm; accessMode: AccessMode; adminIds: number[] }): UserService {
  const fork = () => orm.em.fork() as EntityManager;
  const isAdmin = (id: number) => adminIds.includes(id);
  return {
    async register(telegramId, displayName, username = null) {
      const em = fork();
      const existing = await em.findOne(UserSchema, { telegramId });
      if (existing) {
        existing.displayName = displayName.slice(0, 128);
        existing.username = username?.slice(0, 64) ?? null;
        if (isAdmin(telegramId)) {
          existing.isAdmin = true;
          existing.status = 'active';
        }
        await em.flush();
        return { user: view(existing), created: false };
      }
      const status: UserStatus = isAdmin(telegramId) || accessMode === 'open' ? 'active' : accessMode === 'approval' ? 'pending' : 'denied';
      const user = em.create(UserSchema, { telegramId, displayName: displayName.slice(0, 128), username: username?.slice(0, 64) ?? null, status, isAdmin: isAdmin(telegramId) });
      await em.flush();
      return { user: view(user), created: true };
    },
    async byTelegramId(telegramId) {
      const u = await fork().findOne(UserSchema, { telegramId });
      return u ? view(u) : undefined;
    },
    async byId(userId) {
      const u = await fork().findOne(UserSchema, { id: userId });
      return u ? view(u) : undefined;
    },
    async setStatus(telegramId, status) {
      const em = fork();
      const u = await em.findOne(UserSchema, { telegramId });
      if (!u) return undefined;
      u.status = status;
      await em.flush();
      return view(u);
    },
    admins: () => [...adminIds],
  };
}
