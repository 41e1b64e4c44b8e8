// Referrer relationships: figures, scorecards, touchpoints, timeline, programs and ROI.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, authFetch, BASE_URL, unwrap } from './client';
import type { components } from './schema';

export type ReferrerRow = components['schemas']['ReferrerRow'];
export type Scorecard = components['schemas']['Scorecard'];
export type Touchpoint = components['schemas']['Touchpoint'];
export type TouchpointCreate = components['schemas']['TouchpointCreate'];
export type TimelineItem = components['schemas']['TimelineItem'];
export type Roi = components['schemas']['Roi'];
export type Program = components['schemas']['Program'];

export interface ReferrerQuery {
  tier?: string[];
  segment?: string[];
  cooling?: boolean;
  liaison_id?: string;
  sort?: string;
}

export function useReferrers(q: ReferrerQuery) {
  return useQuery({
    queryKey: ['referrers', q],
    queryFn: async () =>
      unwrap(await api.GET('/v1/referrers', {
        params: {
          query: {
            tier: (q.tier?.length ? q.tier : undefined) as ('A' | 'B' | 'C' | 'D')[] | undefined,
            segment: (q.segment?.length ? q.segment : undefined) as ('new' | 'loyal' | 'occasional' | 'lapsed')[] | undefined,
            cooling: q.cooling, liaison_id: q.liaison_id, limit: 200,
            sort: (q.sort ?? '-volume') as never,
          },
        },
      })),
    retry: false,
  });
}

export function useScorecard(id: string) {
  return useQuery({
    queryKey: ['scorecard', id],
    queryFn: async () => unwrap(await api.GET('/v1/referrers/{provider_id}/scorecard', {
      params: { path: { provider_id: id }, query: { group_by: 'month' } },
    })) as Scorecard,
    retry: false,
  });
}

export function useTimeline(id: string) {
  return useQuery({
    queryKey: ['timeline', id],
    queryFn: async () => unwrap(await api.GET('/v1/referrers/{provider_id}/timeline', {
      params: { path: { provider_id: id }, query: { limit: 50 } },
    })),
    retry: false,
  });
}

export function useTouchpoints(providerId: string) {
  return useQuery({
    queryKey: ['touchpoints', providerId],
    queryFn: async () => unwrap(await api.GET('/v1/touchpoints', { params: { query: { provider_id: providerId, limit: 50 } } })),
    retry: false,
  });
}

export function useLogTouchpoint(providerId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: TouchpointCreate) => unwrap(await api.POST('/v1/touchpoints', { body })),
    onSuccess: () => {
      for (const key of [['touchpoints', providerId], ['timeline', providerId], ['tasks'], ['referrers']]) {
        client.invalidateQueries({ queryKey: key });
      }
    },
  });
}

export function usePrograms() {
  return useQuery({
    queryKey: ['programs'],
    queryFn: async () => unwrap(await api.GET('/v1/programs')) as Program[],
    retry: false,
  });
}

export function useRoi() {
  return useQuery({
    queryKey: ['roi'],
    queryFn: async () => unwrap(await api.GET('/v1/analytics/roi')) as Roi,
    retry: false,
  });
}

export function percent(value: number | null | undefined): string {
  return value == null ? '—' : `${Math.round(value * 100)}%`;
}

export function money(value: number | null | undefined): string {
  return value == null ? '—' : `$${Math.round(value).toLocaleString('en-US')}`;
}

export const TIER_COLOR: Record<string, string> = { A: 'green', B: 'teal', C: 'yellow', D: 'gray' };
export const SEGMENT_COLOR: Record<string, string> = { new: 'blue', loyal: 'indigo', occasional: 'grape', lapsed: 'gray' };

/** Exports need the signed-in user's token, so they are fetched, then handed to the browser as a file. */
export async function downloadCsv(path: string, filename: string): Promise<void> {
  const response = await authFetch(new Request(`${BASE_URL}${path}`));
  if (!response.ok) throw new Error(`Export failed (${response.status})`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  URL.revokeObjectURL(url);
}

export type PracticeReport = components['schemas']['PracticeReport'];
export type RelationshipSettings = components['schemas']['RelationshipSettingsOut'];
export type FeeSchedule = components['schemas']['FeeSchedule'];
export type ProgramCost = components['schemas']['ProgramCost'];
export type OrganizationRow = components['schemas']['OrganizationRow'];

/** Users who may own referrers (the API accepts active liaisons and admins). Admins only: /v1/users is theirs. */
export function useLiaisons(enabled: boolean) {
  return useQuery({
    queryKey: ['users', 'liaisons'],
    queryFn: async () => {
      const page = unwrap(await api.GET('/v1/users', { params: { query: { limit: 200, active: true } } }));
      return page.items.filter((u) => u.role === 'liaison' || u.role === 'admin');
    },
    enabled,
    staleTime: 60_000,
  });
}

export function useAssignOwner() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ providerIds, liaisonId }: { providerIds: string[]; liaisonId: string | null }) => {
      for (const id of providerIds) {
        unwrap(await api.PUT('/v1/referrers/{provider_id}/owner', {
          params: { path: { provider_id: id } }, body: { liaison_id: liaisonId },
        }));
      }
    },
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ['referrers'] });
      client.invalidateQueries({ queryKey: ['scorecard'] });
    },
  });
}

export function usePracticeReport(organizationId: string, month: string | null) {
  return useQuery({
    queryKey: ['practice-report', organizationId, month],
    queryFn: async () => unwrap(await api.GET('/v1/referring-organizations/{organization_id}/monthly-report', {
      params: { path: { organization_id: organizationId }, query: { month: month ?? undefined } },
    })) as PracticeReport,
    retry: false,
  });
}

export function useReferringOrganizations() {
  return useQuery({
    queryKey: ['referring-organizations'],
    queryFn: async () => unwrap(await api.GET('/v1/referring-organizations', { params: { query: { limit: 200 } } })),
    retry: false,
  });
}

export function useProgramCosts(programId: string) {
  return useQuery({
    queryKey: ['program-costs', programId],
    queryFn: async () => unwrap(await api.GET('/v1/programs/{program_id}/costs', {
      params: { path: { program_id: programId } },
    })) as ProgramCost[],
    retry: false,
  });
}
