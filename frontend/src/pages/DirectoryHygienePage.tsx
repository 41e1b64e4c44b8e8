import { Anchor, Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { api, unwrap } from '../api/client';
import type { HygieneItem, HygieneReport } from '../api/contracts';
import { QueryState } from '../components/QueryState';

export const KIND_LABELS: Record<string, string> = {
  missing_preferred_contact: 'No preferred contact',
  missing_npi: 'No NPI',
  invalid_npi: 'Invalid NPI',
  unknown_taxonomy: 'Unknown specialty code',
  bad_contact_point: 'Bad contact point',
  not_verified: 'Not verified for 12 months',
  inactive_outreach: 'Inactive, still in outreach',
};

function Item({ item }: { item: HygieneItem }) {
  const client = useQueryClient();
  const verify = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/providers/{provider_id}/verify', { params: { path: { provider_id: item.provider_id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['hygiene'] }),
  });
  // A bounced address that was confirmed or corrected elsewhere: clearing the flag lets outreach e-mail it again.
  const markGood = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/providers/{provider_id}/contact-points/good', { params: { path: { provider_id: item.provider_id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['hygiene'] }),
  });
  const failed = verify.error ?? markGood.error;
  return (
    <Paper withBorder p="sm" radius="md" component="li" aria-label={`${item.provider_name}: ${item.problem}`}>
      <Group justify="space-between" wrap="nowrap" align="start">
        <div>
          <Text fw={500}>
            <Anchor component={Link} to={item.fix.href}>{item.provider_name}</Anchor>
            {item.npi && <Text span size="sm" c="dimmed"> · NPI {item.npi}</Text>}
          </Text>
          <Text size="sm">{item.problem}</Text>
        </div>
        <Group gap="xs" wrap="nowrap">
          {item.kind === 'bad_contact_point' && (
            <Button size="xs" variant="default" loading={markGood.isPending} onClick={() => markGood.mutate()}>Mark as good</Button>
          )}
          {item.fix.action === 'verify'
            ? <Button size="xs" loading={verify.isPending} onClick={() => verify.mutate()}>Mark verified</Button>
            : <Button size="xs" variant="light" component={Link} to={item.fix.href}>{item.fix.label}</Button>}
        </Group>
      </Group>
      {failed && <Text size="xs" c="red" role="alert">{failed.message}</Text>}
    </Paper>
  );
}

export function DirectoryHygienePage() {
  const report = useQuery({
    queryKey: ['hygiene'],
    queryFn: async () => unwrap(await api.GET('/v1/directory/hygiene')) as HygieneReport,
    retry: false,
  });
  const kinds = Object.keys(KIND_LABELS);
  return (
    <Stack gap="md">
      <Title order={1} size="h2">Directory to-do</Title>
      <QueryState isPending={report.isPending} error={report.error} what="directory hygiene">
        {report.data && (
          <Stack gap="md">
            <Group gap="xs" aria-label="Counts">
              {kinds.map((k) => (
                <Badge key={k} variant="light" color={report.data.counts[k] ? 'orange' : 'gray'}>
                  {KIND_LABELS[k]}: {report.data.counts[k] ?? 0}
                </Badge>
              ))}
            </Group>
            {report.data.total === 0 && <Text c="dimmed">Nothing to fix: the directory is clean.</Text>}
            {kinds.filter((k) => report.data.items.some((i) => i.kind === k)).map((k) => (
              <section key={k} aria-labelledby={`hygiene-${k}`}>
                <Title order={2} size="h4" id={`hygiene-${k}`} mb="xs">{KIND_LABELS[k]} ({report.data.counts[k]})</Title>
                <Stack component="ul" gap="xs" p={0} m={0} style={{ listStyle: 'none' }}>
                  {report.data.items.filter((i) => i.kind === k).map((i) => <Item key={`${k}-${i.provider_id}`} item={i} />)}
                </Stack>
              </section>
            ))}
          </Stack>
        )}
      </QueryState>
    </Stack>
  );
}
