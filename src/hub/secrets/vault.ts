/**
 * The vault (docs/architecture.md, Secrets): the one place where user secrets are encrypted and decrypted.
 *
 * AES-256-GCM with a fresh 12-byte nonce per value; the additional authenticated data binds a
 * ciphertext to its (owner, scope, name), so a row copied onto another user or name does not
 * decrypt. Keys (vault-keys.ts): the current key encrypts, previous keys still decrypt, and
 * `rotateSecrets` (rotation.ts) re-encrypts old rows under the current key. Resolution order:
 * agent override → user secret → server (env) value, the last only where the
 * `ServerSecretPolicy` lets that owner use it.
 * Every decrypted value is added to the `SecretRegistry`, so the logger scrubs it.
 *
 * Values never leave through `list` (masked as `••••abcd` from the stored hint) or errors.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../../config.js';
import { SecretSchema } from '../../db/entities/index.js';
import type { Orm } from '../../db/orm.js';
import type { SecretRegistry } from '../../logger.js';
import { isUuid } from '../../shared/wire.js';
import { HubError, ValidationError } from '../errors.js';
import type { ServerSecretPolicy } from './server-secret-policy.js';
import { isSecretName, SECRET_LABELS, type SecretName } from './secret-names.js';
import { hintOf, maskSecret, validateSecretValue } from './secret-values.js';
import { createKeyring, type SealedRow, type VaultKeyring } from './vault-keys.js';
import type { SecretSource } from './secret-resolver.js';

/** `'user'`, or an agent id for an override that only this agent uses. */
export type SecretScope = string;

export interface SecretListing {
  name: SecretName;
  scope: SecretScope;
  /** `••••abcd`: never more than the last four characters. */
  masked: string;
  updatedAt: string;
}

/** A check of a value before it is stored (e.g. a signed call to the exchange). Throw to refuse. */
export type SecretVerifier = (value: string, context: { ownerId: string; name: SecretName; scope: SecretScope }) => Promise<void>;

export class SecretRejectedError extends HubError {
  override name = 'SecretRejectedError';
}

export class VaultDecryptError extends HubError {
  override name = 'VaultDecryptError';
  constructor(name: string) {
    super(
      `secret ${name} could not be decrypted (wrong key or tampered row)`,
      `Your stored ${name} could not be read. Set it again with /secrets.`,
    );
  }
}

export interface Vault {
  /** Verifies (when a verifier is set), encrypts and stores; replaces an existing value. */
  set(ownerId: string, name: SecretName, value: string, scope?: SecretScope): Promise<{ masked: string }>;
  list(ownerId: string): Promise<SecretListing[]>;
  /** True when something was deleted. */
  delete(ownerId: string, name: SecretName, scope?: SecretScope): Promise<boolean>;
  /** The value the agent (or the user) should use: agent override → user secret → server value. */
  resolve(ownerId: string, name: SecretName, agentId?: string): Promise<string | undefined>;
  /** `resolve`, saying where the value came from (the LLM gateway meters the server's keys). */
  lookup(ownerId: string, name: SecretName, agentId?: string): Promise<{ value: string; source: SecretSource } | undefined>;
  /** Where `resolve` would take the value from, without decrypting anything. */
  source(ownerId: string, name: SecretName, agentId?: string): Promise<SecretSource | undefined>;
  /**
   * Keeps a value whose name is not known yet (a key pasted outside a flow), encrypted, until
   * the user names it (`promote`) or drops it (`discard`). Returns an opaque reference.
   */
  stage(ownerId: string, value: string): Promise<{ ref: string; masked: string }>;
  promote(ownerId: string, ref: string, name: SecretName, scope?: SecretScope): Promise<{ masked: string } | undefined>;
  discard(ownerId: string, ref: string): Promise<void>;
  setVerifier(name: SecretName, verifier: SecretVerifier | undefined): void;
}

export interface VaultDeps {
  orm: Orm;
  /** ENCRYPTION_KEY as configured: 64 hex characters or base64 of 32 bytes. */
  encryptionKey: string;
  /** Earlier ENCRYPTION_KEYs (ENCRYPTION_KEY_PREVIOUS), still accepted for decryption. */
  previousKeys?: readonly string[];
  /** Server-wide values (the process environment), the last resort of `resolve`. */
  serverSecrets?: Partial<Record<SecretName, string>>;
  /** Who may use a server-wide value (default: everyone; production passes `serverSecretPolicy`). */
  serverSecretAllowed?: ServerSecretPolicy;
  registry?: SecretRegistry;
  /** Staged values older than this are ignored and purged (ms; default 15 minutes). */
  stageTtlMs?: number;
  now?: () => number;
}

export { maskSecret, validateSecretValue } from './secret-values.js';

const STAGED_NAME = '_STAGED';
const STAGED_PREFIX = 'staged:';

/** The server-wide secrets from the configuration, by vault name. */
export function serverSecretsFromConfig(config: Pick<Config, 'hashkey' | 'llm' | 'market'>): Partial<Record<SecretName, string>> {
  return {
    HASHKEY_API_KEY: config.hashkey.apiKey,
    HASHKEY_SECRET: config.hashkey.secret,
    OPENAI_API_KEY: config.llm.openaiApiKey,
    ANTHROPIC_API_KEY: config.llm.anthropicApiKey,
    DEEPSEEK_API_KEY: config.llm.deepseekApiKey,
    GEMINI_API_KEY: config.llm.geminiApiKey,
    TWELVE_DATA_API_KEY: config.market.twelveDataApiKey,
    CMC_API_KEY: config.market.cmcApiKey,
  };
}

/** The vault's keys, store and fallbacks, shared by its operations. */
interface VaultCore {
  keyring: VaultKeyring;
  fork: () => EntityManager;
  deps: VaultDeps;
}

function checkScope(scope: string): void {
  if (scope !== 'user' && !isUuid(scope) && !scope.startsWith(STAGED_PREFIX)) {
    throw new ValidationError('scope', 'A secret belongs to you (user) or to one agent.');
  }
}

/** Runs the name's verifier, when one is set; its refusal becomes a `SecretRejectedError`. */
async function verify(verifier: SecretVerifier | undefined, value: string, context: Parameters<SecretVerifier>[1]): Promise<void> {
  if (!verifier) return;
  try {
    await verifier(value, context);
  } catch (error) {
    const reason = error instanceof HubError ? error.userMessage : 'the check failed';
    throw new SecretRejectedError(`${context.name} rejected by its verifier`, `That ${SECRET_LABELS[context.name]} was refused: ${reason}`);
  }
}

function decrypt({ keyring, deps }: VaultCore, row: SealedRow, ownerId: string): string {
  const value = keyring.open(row, ownerId);
  if (value === undefined) throw new VaultDecryptError(row.name);
  deps.registry?.add(value);
  return value;
}

async function store(
  { keyring, fork }: VaultCore,
  ownerId: string,
  name: string,
  value: string,
  scope: string,
): Promise<{ masked: string }> {
  const em = fork();
  const sealed = keyring.seal(ownerId, scope, name, value);
  const hint = hintOf(value);
  const existing = await em.findOne(SecretSchema, { owner: ownerId, scope, name });
  if (existing) Object.assign(existing, sealed, { hint });
  else em.create(SecretSchema, { owner: ownerId, scope, name, hint, ...sealed });
  await em.flush();
  return { masked: maskSecret(hint) };
}

async function readRow({ fork }: VaultCore, ownerId: string, name: string, scope: string) {
  return fork().findOne(SecretSchema, { owner: ownerId, scope, name });
}

/** The server's value of `name` when it has one and this owner may use it. */
async function serverValue({ deps }: VaultCore, ownerId: string, name: SecretName): Promise<string | undefined> {
  const value = deps.serverSecrets?.[name];
  if (!value || (deps.serverSecretAllowed && !(await deps.serverSecretAllowed(ownerId, name)))) return undefined;
  return value;
}

/** Agent override → user secret → server value, saying which. */
async function lookupValue(core: VaultCore, ownerId: string, name: SecretName, agentId?: string) {
  for (const scope of agentId ? [agentId, 'user'] : ['user']) {
    const row = await readRow(core, ownerId, name, scope);
    if (row) return { value: decrypt(core, row, ownerId), source: scope === 'user' ? ('user' as const) : ('agent' as const) };
  }
  const server = await serverValue(core, ownerId, name);
  if (!server) return undefined;
  core.deps.registry?.add(server);
  return { value: server, source: 'server' as const };
}

/** Stores a value under a fresh staged scope; stale staged values of the owner go on the way. */
async function stageValue({ keyring, fork, deps }: VaultCore, ownerId: string, value: string, stageTtlMs: number) {
  const now = deps.now ?? Date.now;
  const em = fork();
  // Old staged values are of no use to anyone: purge them on the way.
  const cutoff = new Date(now() - stageTtlMs);
  await em.nativeDelete(SecretSchema, { owner: ownerId, name: STAGED_NAME, createdAt: { $lt: cutoff } });
  const ref = randomUUID().slice(0, 8);
  const scope = `${STAGED_PREFIX}${ref}`;
  const sealed = keyring.seal(ownerId, scope, STAGED_NAME, value);
  const hint = hintOf(value);
  em.create(SecretSchema, { owner: ownerId, scope, name: STAGED_NAME, hint, ...sealed, createdAt: new Date(now()) });
  await em.flush();
  return { ref, masked: maskSecret(hint) };
}

export function createVault(deps: VaultDeps): Vault {
  const core: VaultCore = {
    keyring: createKeyring(deps.encryptionKey, deps.previousKeys),
    fork: () => deps.orm.em.fork() as EntityManager,
    deps,
  };
  const verifiers = new Map<SecretName, SecretVerifier>();
  const now = deps.now ?? Date.now;
  const stageTtlMs = deps.stageTtlMs ?? 15 * 60_000;

  const vault: Vault = {
    async set(ownerId, name, raw, scope = 'user') {
      if (!isSecretName(name)) throw new ValidationError('name', `Unknown secret name ${String(name)}.`);
      checkScope(scope);
      const value = validateSecretValue(name, raw);
      deps.registry?.add(value);
      await verify(verifiers.get(name), value, { ownerId, name, scope });
      return store(core, ownerId, name, value, scope);
    },

    async list(ownerId) {
      const rows = await core
        .fork()
        .find(SecretSchema, { owner: ownerId, name: { $ne: STAGED_NAME } }, { orderBy: { name: 'asc', scope: 'asc' } });
      return rows
        .filter((r) => isSecretName(r.name))
        .map((r) => ({ name: r.name as SecretName, scope: r.scope, masked: maskSecret(r.hint), updatedAt: r.updatedAt.toISOString() }));
    },

    async delete(ownerId, name, scope = 'user') {
      const n = await core.fork().nativeDelete(SecretSchema, { owner: ownerId, scope, name });
      return n > 0;
    },

    async resolve(ownerId, name, agentId) {
      return (await vault.lookup(ownerId, name, agentId))?.value;
    },

    lookup: (ownerId, name, agentId) => lookupValue(core, ownerId, name, agentId),

    async source(ownerId, name, agentId) {
      if (agentId && (await readRow(core, ownerId, name, agentId))) return 'agent';
      if (await readRow(core, ownerId, name, 'user')) return 'user';
      return (await serverValue(core, ownerId, name)) ? 'server' : undefined;
    },

    async stage(ownerId, raw) {
      const value = validateSecretValue('key', raw);
      deps.registry?.add(value);
      return stageValue(core, ownerId, value, stageTtlMs);
    },

    async promote(ownerId, ref, name, scope = 'user') {
      const row = await readRow(core, ownerId, STAGED_NAME, `${STAGED_PREFIX}${ref}`);
      if (!row || row.createdAt.getTime() < now() - stageTtlMs) {
        if (row) await vault.discard(ownerId, ref);
        return undefined;
      }
      const value = decrypt(core, row, ownerId);
      const result = await vault.set(ownerId, name, value, scope);
      await vault.discard(ownerId, ref);
      return result;
    },

    async discard(ownerId, ref) {
      await core.fork().nativeDelete(SecretSchema, { owner: ownerId, scope: `${STAGED_PREFIX}${ref}`, name: STAGED_NAME });
    },

    setVerifier(name, verifier) {
      if (verifier) verifiers.set(name, verifier);
      else verifiers.delete(name);
    },
  };
  return vault;
}
