import { Alert, Anchor, Badge, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, ProblemError, unwrap } from '../../api/client';
import type { Referral } from '../../api/contracts';
import type { components } from '../../api/schema';
import { useAuth } from '../../auth/AuthContext';
import { formatDateTime } from '../../lib/format';
import { humanize, STATUS_LABEL } from '../../lib/lifecycle';

type PossibleDuplicate = components['schemas']['PossibleDuplicate'];
type Decision = 'link' | 'dismiss' | 'merge';

/** The short reference messages and reasons use: "R-" and the id's last 8 hex digits. */
export function reference(id: string): string {
  return `R-${id.replace(/-/g, '').slice(-8)}`;
}

const DONE: Record<Decision, string> = {
  link: 'Linked as related referrals.',
  dismiss: 'Marked as not a duplicate.',
  merge: 'Merged into this referral; its history now shows on this timeline.',
};

/**
 * Possible duplicates of a referral (the same patient and service line, close in time, often through
 * another channel): a banner with the reason and the decisions staff can make. Also says where a
 * merged referral went.
 */
export function DuplicatesPanel({ referral }: { referral: Referral }) {
  const queryClient = useQueryClient();
  const { me } = useAuth();
  const [merging, setMerging] = useState<PossibleDuplicate | null>(null);
  const canDecide = me?.role === 'admin' || me?.role === 'intake';
  const merged = referral.merged_into_id;

  const pairs = useQuery({
    queryKey: ['referral', referral.id, 'duplicates'],
    queryFn: async () => unwrap(await api.GET('/v1/referrals/{referral_id}/duplicates', {
      params: { path: { referral_id: referral.id } },
    })) as PossibleDuplicate[],
    enabled: !merged,
    retry: false,
  });

  const decide = useMutation({
    mutationFn: async ({ decision, other }: { decision: Decision; other: string }) => {
      const params = {
        path: { referral_id: referral.id, other_id: other },
        header: { 'If-Match': `"${referral.version}"` },
      };
      if (decision === 'merge') return unwrap(await api.POST('/v1/referrals/{referral_id}/duplicates/{other_id}/merge', { params }));
      if (decision === 'link') return unwrap(await api.POST('/v1/referrals/{referral_id}/duplicates/{other_id}/link', { params }));
      return unwrap(await api.POST('/v1/referrals/{referral_id}/duplicates/{other_id}/dismiss', { params }));
    },
    onSuccess: (_data, { decision }) => {
      setMerging(null);
      notifications.show({ color: 'teal', message: DONE[decision] });
    },
    onError: (error) => {
      const message = error instanceof ProblemError ? error.message : 'Something went wrong.';
      notifications.show({ color: 'red', title: 'Not done', message });
    },
    onSettled: () => queryClient.invalidateQueries({
      predicate: (q) => ['referral', 'referrals', 'tasks'].includes(q.queryKey[0] as string),
    }),
  });

  if (merged) {
    return (
      <Alert color="gray" title="Merged as a duplicate" role="status">
        This referral was merged into{' '}
        <Anchor component={Link} to={`/referrals/${merged}`}>{reference(merged)}</Anchor>
        {referral.merged_at ? ` on ${formatDateTime(referral.merged_at)}` : ''}. It keeps its history here and changes no more.
      </Alert>
    );
  }
  const all = pairs.data ?? [];
  const open = all.filter((p) => p.status === 'open');
  const linked = all.filter((p) => p.status === 'linked');
  if (!open.length && !linked.length) return null;

  return (
    <Stack gap="xs">
      {open.length > 0 && (
        <Alert color="orange" title="Possible duplicate" role="region" aria-label="Possible duplicate">
          <Stack gap="sm">
            {open.map((p) => (
              <Stack key={p.referral.id} gap={4}>
                <Text size="sm">{p.reason}</Text>
                <Group gap="xs">
                  <Anchor component={Link} to={`/referrals/${p.referral.id}`} size="sm">{reference(p.referral.id)}</Anchor>
                  <Text size="xs" c="dimmed">
                    {humanize(p.referral.service_line)} via {humanize(p.referral.source_channel)} · received{' '}
                    {formatDateTime(p.referral.received_at)} · {STATUS_LABEL[p.referral.status]}
                  </Text>
                </Group>
                {canDecide && (
                  <Group gap="xs">
                    <Button size="xs" color="orange" onClick={() => setMerging(p)} disabled={decide.isPending}>
                      Merge into this referral
                    </Button>
                    <Button size="xs" variant="default" loading={decide.isPending && decide.variables?.decision === 'link'}
                      onClick={() => decide.mutate({ decision: 'link', other: p.referral.id })}>
                      Link as related
                    </Button>
                    <Button size="xs" variant="subtle" loading={decide.isPending && decide.variables?.decision === 'dismiss'}
                      onClick={() => decide.mutate({ decision: 'dismiss', other: p.referral.id })}>
                      Not a duplicate
                    </Button>
                  </Group>
                )}
              </Stack>
            ))}
          </Stack>
        </Alert>
      )}
      {linked.length > 0 && (
        <Group gap="xs" aria-label="Related referrals">
          <Text size="sm" c="dimmed">Related referrals:</Text>
          {linked.map((p) => (
            <Badge key={p.referral.id} variant="outline" color="gray" component={Link} to={`/referrals/${p.referral.id}`}
              style={{ cursor: 'pointer' }}>
              {reference(p.referral.id)}
            </Badge>
          ))}
        </Group>
      )}
      <Modal opened={merging !== null} onClose={() => setMerging(null)} title="Merge the duplicate into this referral">
        {merging && (
          <Stack>
            <Text size="sm">
              {reference(merging.referral.id)} will be merged into this referral. It keeps its history, which shows on this
              timeline; its tasks, appointments and documents move here, and it changes no more.
            </Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setMerging(null)}>Back</Button>
              <Button color="orange" loading={decide.isPending}
                onClick={() => decide.mutate({ decision: 'merge', other: merging.referral.id })}>
                Merge
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}
