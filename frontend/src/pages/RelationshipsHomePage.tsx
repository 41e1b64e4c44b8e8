import { Anchor, Badge, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { api, unwrap } from '../api/client';
import type { Task } from '../api/contracts';
import { useAuth } from '../auth/AuthContext';
import { QueryState } from '../components/QueryState';
import { TIER_COLOR, useReferrers } from '../api/relationships';

function useMyTasks(userId: string | undefined) {
  return useQuery({
    queryKey: ['tasks', 'mine-relationships', userId],
    queryFn: async () => unwrap(await api.GET('/v1/tasks', {
      params: { query: { assignee_id: userId, status: ['open', 'in_progress'], limit: 200 } as never },
    })) as { items: Task[] },
    enabled: !!userId,
    retry: false,
  });
}

function useMyAlerts(userId: string | undefined) {
  return useQuery({
    queryKey: ['cooling-alerts', userId],
    queryFn: async () => unwrap(await api.GET('/v1/cooling-alerts', { params: { query: { liaison_id: userId } } })),
    enabled: !!userId,
    retry: false,
  });
}

export function RelationshipsHomePage() {
  const { me } = useAuth();
  const tasks = useMyTasks(me?.id);
  const cooling = useMyAlerts(me?.id);
  const mine = useReferrers({ liaison_id: me?.id, sort: '-volume' });
  const all = tasks.data?.items ?? [];
  const alerts = cooling.data ?? [];
  const followUps = all.filter((t) => t.type === 'follow_up').sort((a, b) => a.due_at.localeCompare(b.due_at));
  return (
    <Stack gap="md">
      <Title order={1} size="h2">My relationships</Title>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Paper withBorder p="md" radius="md">
          <Title order={2} size="h4" mb="xs">My cooling alerts</Title>
          <QueryState isPending={cooling.isPending} error={cooling.error} what="cooling alerts">
            {alerts.length === 0 ? <Text c="dimmed" size="sm">No referrer is cooling off.</Text> : (
              <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0 }} aria-label="Cooling alerts">
                {alerts.map((a) => (
                  <li key={a.episode_id}>
                    <Anchor component={Link} to={`/referrers/${a.provider_id}`}>{a.name}</Anchor>
                    <Text size="xs" c="dimmed">
                      {a.observed} referrals in the last 8 weeks; {a.expected.toFixed(1)} expected (baseline {a.baseline.toFixed(2)} a week,
                      seasonal factor {a.seasonal_factor.toFixed(2)}). Since {a.opened_on}.
                    </Text>
                  </li>
                ))}
              </Stack>
            )}
          </QueryState>
        </Paper>
        <Paper withBorder p="md" radius="md">
          <Title order={2} size="h4" mb="xs">My follow-ups</Title>
          <QueryState isPending={tasks.isPending} error={tasks.error} what="follow-ups">
            {followUps.length === 0 ? <Text c="dimmed" size="sm">No follow-up due.</Text> : (
              <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0 }} aria-label="Follow-ups">
                {followUps.map((t) => (
                  <li key={t.id}>
                    {t.provider_id ? <Anchor component={Link} to={`/referrers/${t.provider_id}`}>{t.title}</Anchor> : t.title}
                    <Text size="xs" c="dimmed">Due {t.due_at.slice(0, 10)}</Text>
                  </li>
                ))}
              </Stack>
            )}
          </QueryState>
        </Paper>
      </SimpleGrid>
      <Paper withBorder p="md" radius="md">
        <Title order={2} size="h4" mb="xs">My referrers</Title>
        <QueryState isPending={mine.isPending} error={mine.error} what="your referrers">
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} component="ul" style={{ listStyle: 'none', padding: 0 }} aria-label="My referrers">
            {(mine.data?.items ?? []).map((r) => (
              <li key={r.provider_id}>
                <Anchor component={Link} to={`/referrers/${r.provider_id}`}>{r.name}</Anchor>{' '}
                {r.tier && <Badge size="xs" color={TIER_COLOR[r.tier]}>{r.tier}</Badge>}{' '}
                {r.cooling && <Badge size="xs" color="orange">Cooling</Badge>}
                <Text size="xs" c="dimmed">{r.volume} referrals in 90 days</Text>
              </li>
            ))}
          </SimpleGrid>
        </QueryState>
      </Paper>
    </Stack>
  );
}
