/**
 * The vault as the hub runs it: the configured encryption key, the server-wide keys from the
 * environment, and the rule of who may use those (`serverSecretPolicy`: exchange keys for admins
 * only). The hub and the bot's test harness build it the same way.
 */
import type { ResolvedConfig } from '../../config.js';
import type { Orm } from '../../db/orm.js';
import type { SecretRegistry } from '../../logger.js';
import type { UserService } from '../users.js';
import { serverSecretPolicy } from './server-secret-policy.js';
import { createVault, serverSecretsFromConfig, type Vault } from './vault.js';

export function createVaultFromConfig(
  config: Pick<ResolvedConfig, 'encryptionKey' | 'encryptionKeyPrevious' | 'hashkey' | 'llm' | 'market'>,
  deps: { orm: Orm; users: Pick<UserService, 'isAdmin'>; registry?: SecretRegistry },
): Vault {
  return createVault({
    orm: deps.orm,
    encryptionKey: config.encryptionKey,
    previousKeys: config.encryptionKeyPrevious,
    serverSecrets: serverSecretsFromConfig(config),
    serverSecretAllowed: serverSecretPolicy(deps.users),
    registry: deps.registry,
  });
}
