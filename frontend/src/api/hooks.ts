// Shared queries for lookups used across pages (providers, users), tolerant of routes not yet present.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from './client';
import type { Page, Provider, ReferralDetail, UserSummary } from './contracts';
import type { components } from './schema';
import { useAuth } from '../auth/AuthContext';

export function providerName(p: Pick<Provider, 'prefix' | 'given_name' | 'family_name' | 'suffix' | 'credentials'>): string {
  const name = [p.prefix, p.given_name, p.family_name].filter(Boolean).join(' ');
  const creds = p.credentials?.length ? `, ${p.credentials.join(', ')}` : '';
  return `${name}${p.suffix ? ` ${p.suffix}` : ''}${creds}`;
}

export function useProviders(params: { name?: string; specialty?: string; limit?: number }, enabled = true) {
  return useQuery({
    queryKey: ['providers', params],
    queryFn: async () =>
      unwrap(await api.GET('/v1/providers', {
        params: { query: { name: params.name || undefined, specialty: params.specialty || undefined, limit: params.limit ?? 50 } },
      })) as Page<Provider>,
    enabled,
    retry: false,
  });
}

export function useProvider(id: string | null | undefined) {
  return useQuery({
    queryKey: ['provider', id],
    queryFn: async () => unwrap(await api.GET('/v1/providers/{provider_id}', { params: { path: { provider_id: id! } } })) as Provider,
    enabled: !!id,
    retry: false,
    staleTime: 300_000,
  });
}

/** The staff list is an admin route; other roles do without names rather than collect 403s in the audit log. */
export function useUsers() {
  const { me } = useAuth();
  const enabled = me?.role === 'admin';
  return useQuery({
    queryKey: ['users'],
    queryFn: async () => unwrap(await api.GET('/v1/users', { params: { query: { limit: 200 } } })) as Page<UserSummary>,
    enabled,
    retry: false,
    staleTime: 300_000,
  });
}

export type Colleagues = components['schemas']['Colleagues'];

/** Colleagues a referral or task can go to, and their queues: open to the whole care team. */
export function useColleagues(enabled = true) {
  return useQuery({
    queryKey: ['colleagues'],
    queryFn: async () => unwrap(await api.GET('/v1/colleagues')) as Colleagues,
    enabled,
    retry: false,
    staleTime: 300_000,
  });
}

/** One referral as its page shows it (patient, SLA clocks, open information request); the page and its
 *  panels share the one cached read. */
export function useReferralDetail(id: string, options: { retry?: boolean } = {}) {
  return useQuery({
    queryKey: ['referral', id],
    queryFn: async () => unwrap(await api.GET('/v1/referrals/{referral_id}', { params: { path: { referral_id: id } } })) as ReferralDetail,
    ...options,
  });
}
