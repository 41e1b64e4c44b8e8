import { api } from './client';
import { tokenStore } from '../auth/tokens';
import { json, stubApi } from '../test/render';

const pair = (n: number) => ({ access_token: `access-${n}`, refresh_token: `refresh-${n}`, token_type: 'bearer', expires_in: 900 });

describe('token refresh', () => {
  beforeEach(() => sessionStorage.clear());

  it('refreshes once on a 401 and retries the call with the new token', async () => {
    tokenStore.set(pair(1));
    const calls = stubApi({
      'GET /v1/auth/me': (_url, req) => req.headers.get('Authorization') === 'Bearer access-2'
        ? json({ id: 'u1', email: 'a@b.c', full_name: 'A', role: 'intake', queue: null })
        : json({ title: 'Unauthorized', status: 401 }, 401, 'application/problem+json'),
      'POST /v1/auth/refresh': () => json(pair(2)),
    });
    const { data, response } = await api.GET('/v1/auth/me');
    expect(response.status).toBe(200);
    expect(data?.full_name).toBe('A');
    const refreshes = calls.filter((c) => c.url.pathname === '/v1/auth/refresh');
    expect(refreshes).toHaveLength(1);
    expect(JSON.parse(refreshes[0].body)).toEqual({ refresh_token: 'refresh-1' });
    expect(tokenStore.get()?.refresh_token).toBe('refresh-2');
  });

  it('signs out when the refresh token is refused', async () => {
    tokenStore.set(pair(1));
    stubApi({
      'GET /v1/auth/me': () => json({ title: 'Unauthorized', status: 401 }, 401, 'application/problem+json'),
      'POST /v1/auth/refresh': () => json({ title: 'Refresh token reused', status: 401 }, 401, 'application/problem+json'),
    });
    const { response } = await api.GET('/v1/auth/me');
    expect(response.status).toBe(401);
    expect(tokenStore.get()).toBeNull();
  });

  it('refreshes before the call when the access token is about to expire', async () => {
    tokenStore.set({ ...pair(1), expires_in: 10 });
    const calls = stubApi({
      'GET /v1/auth/me': () => json({ id: 'u1', email: 'a@b.c', full_name: 'A', role: 'intake', queue: null }),
      'POST /v1/auth/refresh': () => json(pair(2)),
    });
    await api.GET('/v1/auth/me');
    expect(calls.map((c) => c.url.pathname)).toEqual(['/v1/auth/refresh', '/v1/auth/me']);
  });
});
