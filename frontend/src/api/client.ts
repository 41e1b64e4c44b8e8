// One typed client for /v1, generated types from openapi/openapi.json; tokens attached and refreshed here.
import createClient from 'openapi-fetch';
import type { paths } from './schema';
import { tokenStore } from '../auth/tokens';

export class ProblemError extends Error {
  status: number;
  problem: Problem;
  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `Request failed (${status})`);
    this.status = status;
    this.problem = problem;
  }
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string | null;
  errors?: { field: string; message: string }[] | null;
  allowed?: string[] | null;
}

// Absolute, so the same client works in the browser and under test.
export const BASE_URL = globalThis.location?.origin ?? '';

let refreshing: Promise<boolean> | null = null;

async function refreshTokens(): Promise<boolean> {
  const refresh = tokenStore.get()?.refresh_token;
  if (!refresh) return false;
  refreshing ??= (async () => {
    try {
      const res = await fetch('/v1/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: refresh }),
      });
      if (!res.ok) {
        tokenStore.clear();
        return false;
      }
      tokenStore.set(await res.json());
      return true;
    } catch {
      return false;
    } finally {
      // Concurrent callers share this one refresh; the next expiry starts a new one.
      refreshing = null;
    }
  })();
  return refreshing;
}

/** fetch with the bearer token; refreshes once shortly before expiry or on a 401, then retries. */
export async function authFetch(input: Request): Promise<Response> {
  if (tokenStore.expiresSoon()) await refreshTokens();
  const retry = input.clone();
  const withToken = (req: Request) => {
    const token = tokenStore.get()?.access_token;
    if (token) req.headers.set('Authorization', `Bearer ${token}`);
    return req;
  };
  const res = await fetch(withToken(input));
  const isTokenCall = /\/v1\/auth\/(token|refresh)$/.test(new URL(input.url).pathname);
  if (res.status === 401 && tokenStore.get()?.refresh_token && !isTokenCall) {
    if (await refreshTokens()) return fetch(withToken(retry));
    tokenStore.clear();
  }
  return res;
}

export const api = createClient<paths>({ baseUrl: BASE_URL, fetch: authFetch });

/** Unwraps an openapi-fetch result: data, or a ProblemError carrying the problem body. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const body = (result.error ?? {}) as Problem;
    throw new ProblemError(result.response.status, typeof body === 'object' ? body : { detail: String(body) });
  }
  return result.data as T;
}

export function etagVersion(response: Response): string | null {
  return response.headers.get('ETag');
}
