/**
 * What hub services need from the secret vault: one decrypted value by name, resolved in the
 * order agent override → user secret → server (process env) value. The vault (`vault.ts`)
 * implements it; the broker (exchange keys) and the LLM gateway (provider keys) each take the half
 * they use. They ask on every call, so a key the trader changes takes effect on the next order or
 * completion and never has to reach the agent's container.
 */

/** Where a resolved value came from; calls on the server's own keys are metered per owner. */
export type SecretSource = 'agent' | 'user' | 'server';

export interface SecretResolver {
  /** The value the agent (or the user) should use, or undefined when no scope has it (or may use it). */
  resolve(ownerId: string, name: string, agentId?: string): Promise<string | undefined>;
  /** `resolve`, saying where the value came from (the LLM gateway meters the server's keys). */
  lookup(ownerId: string, name: string, agentId?: string): Promise<{ value: string; source: SecretSource } | undefined>;
}
