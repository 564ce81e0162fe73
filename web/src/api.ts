/**
 * The client of the hub's `/api/v1` (src/shared/contract/api.ts): JSON over fetch with the
 * session token. A 401 (token expired or revoked) or a 403 for the account ends the session:
 * `onSessionEnd` is told once, and the app shows why.
 */
import { API_PREFIX } from '../../src/shared/contract/api.js';
import type { ErrorBody } from '../../src/shared/contract/primitives.js';

/** A refusal of the hub, with its `{error, message}` body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | undefined>;

export interface Api {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
}

function url(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const search = params.toString();
  return `${API_PREFIX}${path}${search ? `?${search}` : ''}`;
}

/** One request without a session (the session exchange) or with one. */
export async function request<T>(
  method: 'GET' | 'POST',
  path: string,
  options: { token?: string; body?: unknown; query?: Query } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url(path, options.query), {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const json: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const body = (json ?? {}) as Partial<ErrorBody>;
    throw new ApiError(response.status, body.error ?? 'error', body.message ?? response.statusText);
  }
  return json as T;
}

/** True for the answers that mean this session is over (not just this request refused). */
export function endsSession(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.status === 401 || (error.status === 403 && error.code.startsWith('account_')));
}

export function createApi(token: string, onSessionEnd: (error: ApiError) => void): Api {
  const guarded = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (endsSession(error)) onSessionEnd(error);
      throw error;
    }
  };
  return {
    get: (path, query) => guarded(() => request('GET', path, { token, query })),
    post: (path, body = {}) => guarded(() => request('POST', path, { token, body })),
  };
}
