// Shared queries for lookups used across pages (providers, users), tolerant of routes not yet present.
import { useQuery } from '@tanstack/react-query';
import { looseApi, unwrap } from './client';
import type { Page, Provider, UserSummary } from './contracts';

export function providerName(p: Pick<Provider, 'prefix' | 'given_name' | 'family_name' | 'suffix' | 'credentials'>): string {
  const name = [p.prefix, p.given_name, p.family_name].filter(Boolean).join(' ');
  const creds = p.credentials?.length ? `, ${p.credentials.join(', ')}` : '';
  return `${name}${p.suffix ? ` ${p.suffix}` : ''}${creds}`;
}

export function useProviders(params: { name?: string; specialty?: string; limit?: number }, enabled = true) {
  return useQuery({
    queryKey: ['providers', params],
    queryFn: async () =>
      unwrap(await looseApi.GET('/v1/providers', {
        params: { query: { name: params.name || undefined, specialty: params.specialty || undefined, limit: params.limit ?? 50 } },
      })) as Page<Provider>,
    enabled,
    retry: false,
  });
}

export function useProvider(id: string | null | undefined) {
  return useQuery({
    queryKey: ['provider', id],
    queryFn: async () => unwrap(await looseApi.GET('/v1/providers/{id}', { params: { path: { id } } })) as Provider,
    enabled: !!id,
    retry: false,
    staleTime: 300_000,
  });
}

export function useUsers(enabled = true) {
  return useQuery({
    queryKey: ['users'],
    queryFn: async () => unwrap(await looseApi.GET('/v1/users', { params: { query: { limit: 200 } } })) as Page<UserSummary>,
    enabled,
    retry: false,
    staleTime: 300_000,
  });
}
