// The portal's reads: its practice's referrals, one referral's practice-visible timeline, the catalog.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import type { CatalogEntry, Page, PortalEvent, PracticeProvider, Referral } from '../api/contracts';

export function usePracticeReferrals(status?: Referral['status'][]) {
  return useQuery({
    queryKey: ['referrals', 'portal', status],
    queryFn: async () => unwrap(await api.GET('/v1/referrals', {
      params: { query: { limit: 100, sort: '-received_at', status } } })) as Page<Referral>,
  });
}

export function usePortalEvents(referralId: string, enabled = true) {
  return useQuery({
    queryKey: ['referral', referralId, 'portal-events'],
    queryFn: async () => unwrap(await api.GET('/v1/referrals/{referral_id}/portal-events', {
      params: { path: { referral_id: referralId } } })) as PortalEvent[],
    enabled,
  });
}

/** The appointment the timeline last booked, unless it was cancelled or missed since. */
export function currentAppointment(events: PortalEvent[] | undefined): string | null {
  const booked = (events ?? []).filter((e) => e.kind === 'appointment');
  const last = booked[booked.length - 1];
  return last && !['cancelled', 'noshow'].includes(last.reason ?? '') ? last.appointment_start ?? null : null;
}

/** The visit summary written when the patient was seen: the loop-closure note. */
export function closureNote(events: PortalEvent[] | undefined): PortalEvent | null {
  return [...(events ?? [])].reverse().find((e) => e.to_status === 'completed' && e.note) ?? null;
}

export function useCatalog() {
  return useQuery({
    queryKey: ['catalog'],
    queryFn: async () => unwrap(await api.GET('/v1/catalog')) as CatalogEntry[],
    staleTime: 60_000,
  });
}

export function usePracticeProviders(enabled = true) {
  return useQuery({
    enabled,
    queryKey: ['portal', 'providers'],
    queryFn: async () => unwrap(await api.GET('/v1/portal/providers')) as PracticeProvider[],
    staleTime: 300_000,
  });
}
