/**
 * Context types of the bot, in one place. Outside conversations handlers see `BotContext`
 * (session, conversation controls, the registered trader); inside a conversation the context
 * is a plain `FlowContext`, and everything the flow needs from the hub goes through
 * `conversation.external(...)` so a replay after a restart returns the same plain JSON.
 */
import type { Conversation, ConversationFlavor } from '@grammyjs/conversations';
import type { Context, SessionFlavor } from 'grammy';
import type { AgentInput } from '../hub/agents/agent-input.js';
import type { UserView } from '../hub/users.js';
import type { SecretName } from '../hub/secrets/secret-names.js';

/** A secret the chat is asked for right now; only its name and scope, never a value. */
export interface PendingSecret {
  name: SecretName;
  /** `user`, or the id of the agent the override is for. */
  scope: string;
  agentName?: string;
}

/** A /broadcast waiting for the admin's Send or Cancel (src/bot/features/broadcast.ts). */
export interface PendingBroadcast {
  /** Names the confirmation message's buttons: a press of an older confirmation is refused. */
  id: string;
  /** The admin's text, plain (escaped when sent). */
  text: string;
}

export interface SessionData {
  pendingSecret?: PendingSecret;
  broadcast?: PendingBroadcast;
}

interface ArticFlavor {
  /** The registered trader behind the update; set by the access feature for active users. */
  trader?: UserView;
}

export type BotContext = ConversationFlavor<Context & SessionFlavor<SessionData> & ArticFlavor>;
export type FlowContext = Context;
export type FlowConversation = Conversation<BotContext, FlowContext>;

/** What every flow receives when it is entered (stored with the flow: plain JSON, no secrets). */
export interface FlowArgs {
  userId: string;
  /** For /edit and agent-scoped secrets. */
  agentId?: string;
  /** /create: answers given already (🚀 Launch agent from a backtest); their questions are skipped. */
  prefill?: Partial<AgentInput>;
}
