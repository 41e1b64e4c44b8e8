// The duplicate review queue, merges and their undo, and a referrer's patterns.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from './client';
import type { DuplicatePair, MergeRequest, Page, ProviderMerge, ReferralPatterns } from './contracts';

export function useDuplicatePairs(limit = 20) {
  return useQuery({
    queryKey: ['directory', 'duplicates', limit],
    queryFn: async () => unwrap(await api.GET('/v1/directory/duplicates', { params: { query: { limit } } })) as Page<DuplicatePair>,
    retry: false,
  });
}

export function useRecentMerges() {
  return useQuery({
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
