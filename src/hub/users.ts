/**
 * Traders, and who may use the server. The Telegram account is the identity: `register` is
 * idempotent and applies the access mode (open: active at once; allowlist: only admins and
 * approved users; approval: new users wait for an admin's decision).
 *
 * Admins are the ids in ADMIN_TELEGRAM_IDS plus, on a server without that list, the first user
 * to /start. The role is stored on the user row (`is_admin`) and `isAdmin(userId)` is the one
 * question every other part asks (server-wide exchange keys, LLM budget, quotas).
 *
 * Every user row records how its user got in (`admitted_via`), so that a server switched from
 * `open` to `approval`/`allowlist` can put the users nobody vetted back to pending
 * (`syncAccess`, at every boot).
 */
import type { QueryResult } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { UserSchema, type Admission, type User, type UserStatus } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import type { AccessMode } from '../config.js';
import type { Logger } from '../logger.js';
import { HubError, ValidationError } from './errors.js';
import { normalizeTimeZone } from './timezone.js';

export interface UserView {
  id: string;
  telegramId: number;
  displayName: string;
  username: string | null;
  status: UserStatus;
  isAdmin: boolean;
  admittedVia: Admission | null;
  /** IANA time zone for charts; null: UTC (src/hub/timezone.ts). */
  timezone: string | null;
}

export interface RegisterResult {
  user: UserView;
  /** True the first time this Telegram account is seen. */
  created: boolean;
  /** The user waits for a decision the admins have not been asked about yet: ask them now. */
  askAdmins: boolean;
  /** This /start made the user the server's admin (no ADMIN_TELEGRAM_IDS, first user). */
  firstAdmin: boolean;
}

export interface AccessSync {
  /** Users admitted under `open` put back to pending because the mode is not `open` any more. */
  pendingAgain: number;
  /** Users who lost the admin role because their id left ADMIN_TELEGRAM_IDS. */
  adminsRemoved: number;
  /** There are users but no admin: nobody can approve anyone (set ADMIN_TELEGRAM_IDS). */
  adminless: boolean;
}

export interface UserService {
  register(telegramId: number, displayName: string, username?: string | null): Promise<RegisterResult>;
  byTelegramId(telegramId: number): Promise<UserView | undefined>;
  byId(userId: string): Promise<UserView | undefined>;
  /** An admin's decision. Throws `AccessDecisionError` for an admin (admins cannot be denied). */
  decide(telegramId: number, decision: 'approve' | 'deny'): Promise<UserView | undefined>;
  /**
   * The one answer to "is this user an admin?": an active user with the admin role, or an id in
   * ADMIN_TELEGRAM_IDS (who may decide on others before their own first /start).
   */
  isAdmin(who: { userId: string } | { telegramId: number }): Promise<boolean>;
  /** Telegram ids of every admin: ADMIN_TELEGRAM_IDS and admins on record. */
  admins(): Promise<number[]>;
  /** Telegram ids of every active user (admins included): who a broadcast reaches. */
  activeTelegramIds(): Promise<number[]>;
  /** Applies ADMIN_TELEGRAM_IDS and the access mode to users registered earlier; run at boot. */
  syncAccess(): Promise<AccessSync>;
  /** Stores the user's time zone (any spelling Intl knows); returns the stored name. Throws `ValidationError`. */
  setTimezone(userId: string, input: string): Promise<string>;
}

export class AccessDecisionError extends HubError {
  override name = 'AccessDecisionError';
}

/** Admin rights: the role, on a user who is in. */
export function hasAdminRights(user: Pick<User, 'isAdmin' | 'status'>): boolean {
  return user.isAdmin && user.status === 'active';
}

function view(u: User): UserView {
  return {
    id: u.id,
    telegramId: Number(u.telegramId),
    displayName: u.displayName,
    username: u.username ?? null,
    status: u.status,
    isAdmin: hasAdminRights(u),
    admittedVia: u.admittedVia ?? null,
    timezone: u.timezone ?? null,
  };
}

/** One registration at a time: the first-user rule must not make two admins. */
const REGISTER_LOCK = 0x61727469; // 'arti'

export interface UserServiceDeps {
  orm: Orm;
  accessMode: AccessMode;
  adminIds: number[];
  logger?: Logger;
}

/** The rules `register` and `syncAccess` apply: the access mode and ADMIN_TELEGRAM_IDS. */
interface AccessPolicy {
  accessMode: AccessMode;
  adminIds: number[];
}

const listed = (policy: AccessPolicy, telegramId: number) => policy.adminIds.includes(telegramId);

/** Status and admission of a Telegram account seen for the first time. */
async function newcomer(
  em: EntityManager,
  policy: AccessPolicy,
  telegramId: number,
): Promise<Pick<User, 'status' | 'isAdmin' | 'admittedVia'>> {
  const { accessMode, adminIds } = policy;
  if (listed(policy, telegramId)) return { status: 'active', isAdmin: true, admittedVia: 'admin-list' };
  if (adminIds.length === 0 && (await em.count(UserSchema, {})) === 0)
    return { status: 'active', isAdmin: true, admittedVia: 'first-user' };
  if (accessMode === 'open') return { status: 'active', isAdmin: false, admittedVia: 'open' };
  return { status: accessMode === 'approval' ? 'pending' : 'denied', isAdmin: false, admittedVia: null };
}

/** A known account: a listed id is an admin; `open` lets a pending user in. */
function returning(policy: AccessPolicy, user: User): void {
  if (listed(policy, Number(user.telegramId)) && !hasAdminRights(user)) {
    Object.assign(user, {
      isAdmin: true,
      status: 'active',
      admittedVia: user.admittedVia === 'first-user' ? 'first-user' : 'admin-list',
    });
  } else if (policy.accessMode === 'open' && user.status === 'pending') {
    Object.assign(user, { status: 'active', admittedVia: 'open' });
  }
}

/** `register` inside its transaction, which holds REGISTER_LOCK. */
async function registerLocked(
  em: EntityManager,
  policy: AccessPolicy,
  logger: Logger | undefined,
  account: { telegramId: number; displayName: string; username: string | null },
): Promise<RegisterResult> {
  const { telegramId, displayName, username } = account;
  let user = await em.findOne(UserSchema, { telegramId });
  const created = !user;
  if (user) {
    user.displayName = displayName.slice(0, 128);
    user.username = username?.slice(0, 64) ?? null;
    returning(policy, user);
  } else {
    user = em.create(UserSchema, {
      telegramId,
      displayName: displayName.slice(0, 128),
      username: username?.slice(0, 64) ?? null,
      ...(await newcomer(em, policy, telegramId)),
    });
  }
  const askAdmins = user.status === 'pending' && !user.requestedAt;
  if (askAdmins) user.requestedAt = new Date();
  await em.flush();
  const firstAdmin = created && user.admittedVia === 'first-user';
  if (firstAdmin) {
    logger?.warn(
      { telegramId, accessMode: policy.accessMode },
      `ADMIN_TELEGRAM_IDS is empty: the first user to /start, Telegram id ${telegramId}, is now this server's admin. If that is not you, stop the server, set ADMIN_TELEGRAM_IDS and remove that user.`,
    );
  }
  return { user: view(user), created, askAdmins, firstAdmin };
}

/** `syncAccess`: ADMIN_TELEGRAM_IDS and the access mode applied to every user row. */
async function applyAccessPolicy(em: EntityManager, { accessMode, adminIds }: AccessPolicy): Promise<AccessSync> {
  /** Postgres array literal of the configured admin ids (validated integers). */
  const adminArray = `{${adminIds.join(',')}}`;
  const run = async (sql: string, params: unknown[] = []) =>
    (await em.getConnection().execute<QueryResult>(sql, params, 'run')).affectedRows;
  await run(
    `update users set is_admin = true, status = 'active', admitted_via = case when admitted_via = 'first-user' then 'first-user' else 'admin-list' end
     where telegram_id = any(?::bigint[]) and not (is_admin and status = 'active')`,
    [adminArray],
  );
  const adminsRemoved = await run(
    `update users set is_admin = false, status = ?, admitted_via = ?, requested_at = null
     where admitted_via = 'admin-list' and not (telegram_id = any(?::bigint[]))`,
    [accessMode === 'open' ? 'active' : 'pending', accessMode === 'open' ? 'open' : null, adminArray],
  );
  const pendingAgain =
    accessMode === 'open'
      ? 0
      : await run(
          `update users set status = 'pending', admitted_via = null, requested_at = null where admitted_via = 'open' and not is_admin`,
        );
  const [counts] = await em
    .getConnection()
    .execute<Array<{ users: number; admins: number }>>(
      `select count(*)::int as users, count(*) filter (where is_admin and status = 'active')::int as admins from users`,
    );
  const adminless = adminIds.length === 0 && counts.users > 0 && counts.admins === 0;
  return { pendingAgain, adminsRemoved, adminless };
}

/** What `syncAccess` changed or found wrong, said in the log. */
function reportAccessSync(
  logger: Logger | undefined,
  accessMode: AccessMode,
  { pendingAgain, adminsRemoved, adminless }: AccessSync,
): void {
  if (pendingAgain > 0)
    logger?.warn(
      { pendingAgain, accessMode },
      `ACCESS_MODE=${accessMode}: ${pendingAgain} user(s) admitted under ACCESS_MODE=open are pending again until an admin approves them`,
    );
  if (adminsRemoved > 0)
    logger?.warn({ adminsRemoved }, `${adminsRemoved} user(s) are no longer in ADMIN_TELEGRAM_IDS and lost the admin role`);
  if (adminless)
    logger?.error(
      { accessMode },
      'this server has users but no admin: nobody can approve access or trade with the server-wide keys. Set ADMIN_TELEGRAM_IDS.',
    );
}

/** `setTimezone`: validates the name with Intl and stores its IANA spelling. */
async function storeTimezone(em: EntityManager, userId: string, input: string): Promise<string> {
  const timezone = normalizeTimeZone(input);
  if (!timezone) {
    throw new ValidationError(
      'timezone',
      `"${input.trim().slice(0, 64)}" is not a time zone I know. Send an IANA name, for example /timezone Europe/Berlin, /timezone America/New_York or /timezone UTC.`,
    );
  }
  await em.nativeUpdate(UserSchema, { id: userId }, { timezone });
  return timezone;
}

export function createUserService({ orm, accessMode, adminIds, logger }: UserServiceDeps): UserService {
  const fork = () => orm.em.fork() as EntityManager;
  const policy: AccessPolicy = { accessMode, adminIds };

  return {
    async register(telegramId, displayName, username = null) {
      return fork().transactional(async (em) => {
        await em.execute('select pg_advisory_xact_lock(?)', [REGISTER_LOCK]);
        return registerLocked(em, policy, logger, { telegramId, displayName, username });
      });
    },

    async byTelegramId(telegramId) {
      const u = await fork().findOne(UserSchema, { telegramId });
      return u ? view(u) : undefined;
    },

    async byId(userId) {
      const u = await fork().findOne(UserSchema, { id: userId });
      return u ? view(u) : undefined;
    },

    async decide(telegramId, decision) {
      const em = fork();
      const u = await em.findOne(UserSchema, { telegramId });
      if (!u) return undefined;
      if (u.isAdmin) {
        if (decision === 'approve') return view(u); // already in, and admitted as an admin
        throw new AccessDecisionError(`user ${telegramId} is an admin`, `${u.displayName || telegramId} is an admin and cannot be denied.`);
      }
      Object.assign(u, decision === 'approve' ? { status: 'active', admittedVia: 'approved' } : { status: 'denied', admittedVia: null });
      await em.flush();
      return view(u);
    },

    async isAdmin(who) {
      if ('telegramId' in who && listed(policy, who.telegramId)) return true;
      const u = await fork().findOne(UserSchema, 'userId' in who ? { id: who.userId } : { telegramId: who.telegramId });
      return u !== null && hasAdminRights(u);
    },

    async admins() {
      const rows = await fork().find(UserSchema, { isAdmin: true, status: 'active' }, { orderBy: { createdAt: 'asc' } });
      return [...new Set([...adminIds, ...rows.map((u) => Number(u.telegramId))])];
    },

    async activeTelegramIds() {
      const rows = await fork().find(UserSchema, { status: 'active' }, { fields: ['telegramId'], orderBy: { createdAt: 'asc' } });
      return rows.map((u) => Number(u.telegramId));
    },

    async syncAccess() {
      const sync = await applyAccessPolicy(fork(), policy);
      reportAccessSync(logger, accessMode, sync);
      return sync;
    },

    setTimezone: (userId, input) => storeTimezone(fork(), userId, input),
  };
}
