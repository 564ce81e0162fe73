/**
 * Access decisions and what follows from them. An admin approves or denies a user; a denied
 * user's agents are stopped (each closes its position or not as its `closeOnStop` says) and the
 * hub emits `user.access_revoked`, on which the WebSocket route closes that user's streams.
 */
import type { Logger } from '../logger.js';
import type { AgentLifecycle } from './agents/lifecycle.js';
import type { HubEvents } from './events.js';
import type { UserService, UserView } from './users.js';

export interface AccessDecision {
  user: UserView;
  /** Agents stopped because the user was denied. */
  stoppedAgents: number;
}

export interface AccessControl {
  /** Undefined when no user with this Telegram id has sent /start. */
  decide(telegramId: number, decision: 'approve' | 'deny'): Promise<AccessDecision | undefined>;
}

export interface AccessControlDeps {
  users: Pick<UserService, 'decide'>;
  lifecycle: Pick<AgentLifecycle, 'stopAll'>;
  events: HubEvents;
  logger: Logger;
}

export const ACCESS_REVOKED_REASON = 'access revoked by an admin';

export function createAccessControl({ users, lifecycle, events, logger }: AccessControlDeps): AccessControl {
  return {
    async decide(telegramId, decision) {
      const user = await users.decide(telegramId, decision);
      if (!user) return undefined;
      if (decision === 'approve') return { user, stoppedAgents: 0 };
      // Streams close first: nothing more of this user's should leave the hub.
      events.emit('user.access_revoked', { ownerId: user.id, reason: ACCESS_REVOKED_REASON });
      const stopped = await lifecycle.stopAll(user.id, ACCESS_REVOKED_REASON);
      logger.info({ userId: user.id, telegramId, stoppedAgents: stopped.length }, 'access denied');
      return { user, stoppedAgents: stopped.length };
    },
  };
}
