// The duplicate review queue, merges and their undo, and a referrer's patterns.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from './client';
import type { DuplicateCandidate, DuplicatePair, DuplicateQueueRefresh, MergeRequest, Page, Provider, ProviderMerge, ReferralPatterns } from './contracts';

export function useDuplicatePairs(limit = 20, enabled = true) {
  return useQuery({
    enabled,
    queryKey: ['directory', 'duplicates', limit],
    queryFn: async () => unwrap(await api.GET('/v1/directory/duplicates', { params: { query: { limit } } })) as Page<DuplicatePair>,
    retry: false,
  });
}

/** When the stored queue was last refreshed (null before the first run). */
export function useLastRefresh(enabled = true) {
  return useQuery({
    enabled,
    queryKey: ['directory', 'refresh'],
    queryFn: async () => unwrap(await api.GET('/v1/directory/duplicates/refresh')) as DuplicateQueueRefresh | null,
    retry: false,
  });
}

/** One provider's likely duplicates, as pairs with that provider on the left. */
export function useDuplicatesOf(providerId: string | null) {
  return useQuery({
    queryKey: ['directory', 'duplicates-of', providerId],
    queryFn: async (): Promise<Page<DuplicatePair>> => {
      const path = { provider_id: providerId! };
      const provider = unwrap(await api.GET('/v1/providers/{provider_id}', { params: { path } })) as Provider;
      const found = unwrap(await api.GET('/v1/providers/{provider_id}/duplicates', { params: { path } })) as DuplicateCandidate[];
      return { items: found.map((d) => ({ score: d.score, reasons: d.reasons, first: provider, second: d.provider })), next_cursor: null };
    },
    enabled: !!providerId,
    retry: false,
  });
}

export function useRecentMerges(enabled = true) {
  return useQuery({
    enabled,
    queryKey: ['directory', 'merges'],
    queryFn: async () => unwrap(await api.GET('/v1/directory/merges', { params: { query: { limit: 20 } } })) as ProviderMerge[],
    retry: false,
  });
}

/** After any decision the queue, the merges and the providers involved are read again. */
function useDirectoryMutation<T>(run: (arg: T) => Promise<unknown>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['directory'] });
      void client.invalidateQueries({ queryKey: ['provider'] });
      void client.invalidateQueries({ queryKey: ['providers'] });
    },
  });
}

export function useMerge() {
  return useDirectoryMutation(async (body: MergeRequest) => unwrap(await api.POST('/v1/directory/merges', { body })));
}

/** Score the pairs of providers changed since the last refresh now, instead of waiting for the worker. */
export function useRefreshQueue() {
  return useDirectoryMutation(async () => unwrap(await api.POST('/v1/directory/duplicates/refresh')));
}

export function useDismiss() {
  return useDirectoryMutation(async (ids: [string, string]) => {
    const res = await api.POST('/v1/directory/duplicates/dismissals', { body: { provider_ids: ids } });
    if (res.error) unwrap(res);
  });
}

export function useUndoMerge() {
  return useDirectoryMutation(async (mergeId: string) =>
    unwrap(await api.POST('/v1/directory/merges/{merge_id}/undo', { params: { path: { merge_id: mergeId } } })));
}

export function usePatterns(providerId: string, from: string | undefined, enabled = true) {
  return useQuery({
    queryKey: ['patterns', providerId, from],
    queryFn: async () => unwrap(await api.GET('/v1/providers/{provider_id}/patterns', {
      params: { path: { provider_id: providerId }, query: { from } },
    })) as ReferralPatterns,
    enabled,
    retry: false,
  });
}
