/**
 * What the gateway needs from the secret vault: one decrypted value by name, resolved in the
 * order agent override → user secret → process env, and where it came from (calls on the
 * server's own keys are metered against the owner's daily budget). The vault
 * (`src/hub/secrets/vault.ts`) implements it; the gateway asks on every call, so a key the
 * trader changes takes effect on the next completion and never has to reach the agent's container.
 */
export interface SecretResolver {
  /** The secret's value and its source, or undefined when no scope has it (or may use it). */
  lookup(ownerId: string, name: string, agentId?: string): Promise<{ value: string; source: 'agent' | 'user' | 'server' } | undefined>;
}
