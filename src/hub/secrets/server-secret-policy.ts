/**
 * Who may fall back on the server's own keys (the process environment) when they stored none:
 * - exchange keys (`HASHKEY_API_KEY`, `HASHKEY_SECRET`) trade the operator's account, so only
 *   admins may use them; everyone else must store their own before trading live;
 * - LLM keys are shared with everyone, rationed per user by the LLM gateway's daily budget;
 * - market data keys are the hub's own business (agents never resolve them).
 */
import type { UserService } from '../users.js';
import { EXCHANGE_SECRETS, type SecretName } from './secret-names.js';

/** True when `ownerId` may use the server's value of `name`. */
export type ServerSecretPolicy = (ownerId: string, name: SecretName) => Promise<boolean>;

export function serverSecretPolicy(users: Pick<UserService, 'isAdmin'>): ServerSecretPolicy {
  return async (ownerId, name) => (EXCHANGE_SECRETS.includes(name) ? users.isAdmin({ userId: ownerId }) : true);
}
