/**
 * An encrypted secret (exchange key, LLM key…). AES-256-GCM with a fresh nonce per value;
 * `scope` is `user` or an agent id (an agent override), so (owner, scope, name) is unique.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { UserSchema } from './user.js';

export const SecretSchema = defineEntity({
  name: 'Secret',
  tableName: 'secrets',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => crypto.randomUUID()),
    owner: () => p.manyToOne(UserSchema).deleteRule('cascade'),
    scope: p.string().length(64).default('user'),
    name: p.string().length(64),
    ciphertext: p.blob(),
    nonce: p.blob(),
    tag: p.blob(),
    keyVersion: p.integer().default(1),
    /** Last four characters, for the masked display `••••abcd`. */
    hint: p.string().length(8),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
  uniques: [{ properties: ['owner', 'scope', 'name'] }],
});

export type Secret = InferEntity<typeof SecretSchema>;
