/**
 * Traders' time zones (charts write times in them): IANA names as Intl knows them, e.g.
 * `Europe/Berlin`, `America/New_York`, `UTC`. Unset means UTC.
 */

export const DEFAULT_TIME_ZONE = 'UTC';

/** Longest name stored (users.timezone is varchar(64)); real IANA names are under 40. */
const MAX_LENGTH = 64;

/**
 * The name to store for `input`, or null when Intl does not know it. Case is fixed to the IANA
 * spelling when there is one (`europe/berlin` → `Europe/Berlin`); aliases Intl accepts but does
 * not list (`Asia/Kolkata`) are kept as typed rather than swapped for their legacy canonical id.
 */
export function normalizeTimeZone(input: string): string | null {
  const name = input.trim();
  if (!name || name.length > MAX_LENGTH) return null;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
  const lower = name.toLowerCase();
  const listed = Intl.supportedValuesOf('timeZone').find((zone) => zone.toLowerCase() === lower);
  return listed ?? (resolved.toLowerCase() === lower ? resolved : name);
}
