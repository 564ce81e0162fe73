/**
 * Bearer-token check for the agent's endpoints. The presented and the expected token are both
 * hashed (SHA-256) before `timingSafeEqual`, so the comparison takes the same time whatever the
 * presented value, including its length.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Returns a checker of `Authorization` header values against `token`. */
export function createBearerCheck(token: string): (authorization: string | undefined) => boolean {
  if (!token) throw new RangeError('agent token must not be empty');
  const expected = createHash('sha256').update(token, 'utf8').digest();
  return (authorization) => {
    const m = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    const presented = createHash('sha256')
      .update(m ? m[1].trim() : '', 'utf8')
      .digest();
    // Compare even when the header is malformed, so both paths cost the same.
    return timingSafeEqual(presented, expected) && m !== null;
  };
}
