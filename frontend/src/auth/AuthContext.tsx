import { createContext, useCallback, useContext, useMemo, useSyncExternalStore, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ProblemError, unwrap, type Problem } from '../api/client';
import type { Me } from '../api/contracts';
import { tokenStore, type TokenPair } from './tokens';

interface AuthValue {
  me: Me | undefined;
  loading: boolean;
  signedIn: boolean;
  login: (email: string, password: string) => Promise<Me>;
  logout: () => Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

async function fetchMe(): Promise<Me> {
  return unwrap(await api.GET('/v1/auth/me')) as Me;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const token = useSyncExternalStore(tokenStore.subscribe, () => tokenStore.get()?.access_token ?? null);
  const meQuery = useQuery({ queryKey: ['me', token], queryFn: fetchMe, enabled: !!token, retry: false, staleTime: 300_000 });

  const login = useCallback(async (email: string, password: string) => {
    const form = new URLSearchParams({ grant_type: 'password', username: email, password });
    const res = await fetch('/v1/auth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    if (!res.ok) {
      const problem = (await res.json().catch(() => ({}))) as Problem;
      throw new ProblemError(res.status, problem);
    }
    tokenStore.set((await res.json()) as TokenPair);
    return queryClient.fetchQuery({ queryKey: ['me', tokenStore.get()?.access_token ?? null], queryFn: fetchMe });
  }, [queryClient]);

  const logout = useCallback(async () => {
    const refresh = tokenStore.get()?.refresh_token;
    try {
      await api.POST('/v1/auth/logout', { body: refresh ? { refresh_token: refresh } : null });
    } finally {
      tokenStore.clear();
      queryClient.clear();
    }
  }, [queryClient]);

  const value = useMemo<AuthValue>(() => ({
    me: token ? meQuery.data : undefined,
    loading: !!token && meQuery.isPending,
    signedIn: !!token && !!meQuery.data,
    login,
    logout,
  }), [token, meQuery.data, meQuery.isPending, login, logout]);

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}
