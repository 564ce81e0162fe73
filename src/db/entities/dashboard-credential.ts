/**
 * Single-use dashboard credentials, shared by every hub replica on the database: the SHA-256 of
 * each Mini App `initData` exchanged (replay protection) and of each open /dashboard login code.
 * Rows live until `expires_at`; the door is src/hub/auth/dashboard-credential-store.ts.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const DashboardCredentialSchema = defineEntity({
  name: 'DashboardCredential',
  tableName: 'dashboard_credentials',
  properties: {
    /** SHA-256 (hex) of the initData's `hash` or of the login code; the code itself is never stored. */
    keyHash: p.string().length(64).primary(),
    /** `init_data` (used once) or `login_code` (open until taken). */
    kind: p.string().length(16),
    /** The user a login code signs in; null for initData. */
    userId: p.uuid().nullable(),
    expiresAt: p.datetime().index(),
  },
});

export type DashboardCredential = InferEntity<typeof DashboardCredentialSchema>;
