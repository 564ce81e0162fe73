/**
 * What the gateway needs from the secret vault: one decrypted value by name, resolved in the
 * order agent override → user secret → process env. The vault (`src/hub/secrets/vault.ts`)
 * implements it; the gateway asks on every call, so a key the trader changes takes effect on
 * the next completion and never has to reach the agent's container.
 */
export interface SecretResolver {
  /** The secret's value, or undefined when no scope has it. */
  resolve(ownerId: string, name: string, agentId?: string): Promise<string | undefined>;
}
