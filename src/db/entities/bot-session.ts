/** grammY session and conversation state, keyed by the storage key grammY computes. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const BotSessionSchema = defineEntity({
  name: 'BotSession',
  tableName: 'bot_sessions',
  properties: {
    key: p.string().length(128).primary(),
    value: p.json<unknown>(),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export type BotSession = InferEntity<typeof BotSessionSchema>;
