import { Alert, Anchor, Badge, Grid, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';
import { providerName, useProvider } from '../api/hooks';
import { useAuth } from '../auth/AuthContext';
import { listReferrals } from '../api/referrals';
import type { Referral } from '../api/contracts';
import { QueryState } from '../components/QueryState';
import { StatusBadge } from '../components/StatusBadge';
import { ReferralPatterns } from '../components/directory/ReferralPatterns';
import { scorecard } from '../lib/conversion';
import { contactMethodLabel, formatDate, pct } from '../lib/format';
import { ProviderRecordForm } from '../components/ProviderRecordForm';
import { canSeeDuplicates } from '../lib/roles';
import { humanize } from '../lib/lifecycle';

const MAX_PAGES = 5;

async function referralsFrom(providerId: string): Promise<{ items: Referral[]; truncated: boolean }> {
  const items: Referral[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const res = await listReferrals({ referring_provider_id: providerId, limit: 200, cursor } as Parameters<typeof listReferrals>[0]);
    items.push(...res.items);
    if (!res.next_cursor) return { items, truncated: false };
    cursor = res.next_cursor;
  }
  return { items, truncated: true };
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Text size="xs" c="dimmed">{label}</Text>
      <Text fw={700} size="xl">{value}</Text>
    </Paper>
  );
}

export function ProviderPage() {
  const { id = '' } = useParams();
  const provider = useProvider(id);
  const { me } = useAuth();
  // Referral rows carry patient data: analysts see the directory entry and the dashboard's aggregates only.
  const seesReferrals = me?.role !== 'analyst';
  // The provider-relations team (admins, liaisons) keeps the directory record right.
  const keepsDirectory = me?.role === 'admin' || me?.role === 'liaison';
  // Aggregates only, as in the analytics summary: the same roles read them.
  const seesPatterns = me?.role === 'admin' || me?.role === 'liaison' || me?.role === 'analyst';
  const referrals = useQuery({ queryKey: ['referrals', 'from-provider', id], queryFn: () => referralsFrom(id), enabled: seesReferrals });
  const card = scorecard(referrals.data?.items ?? []);

  return (
    <Stack gap="md">
      {seesReferrals
        ? <Anchor component={Link} to="/providers" size="sm">← Provider directory</Anchor>
        : <Anchor component={Link} to="/dashboard" size="sm">← Dashboard</Anchor>}
      <QueryState isPending={provider.isPending} error={provider.error} what="provider">
        {provider.data && (
          <Stack gap="md">
            <div>
              <Title order={1} size="h2">{providerName(provider.data)}</Title>
              <Group gap="xs" mt={4}>
                {provider.data.specialties?.map((s) => <Badge key={s.code} variant="light">{s.display ?? s.code}</Badge>)}
                {provider.data.npi && <Text size="sm" c="dimmed">NPI {provider.data.npi}</Text>}
                {canSeeDuplicates(me?.role) && provider.data.status !== 'merged' && (
                  <Anchor component={Link} to={`/providers/duplicates?provider=${provider.data.id}`} size="sm">Check for duplicates</Anchor>
                )}
              </Group>
            </div>
            {keepsDirectory && (
              <Paper withBorder p="md" radius="md" component="section" aria-labelledby="record-heading">
                <Title order={2} size="h4" id="record-heading" mb="sm">Directory record</Title>
                <ProviderRecordForm key={provider.data.version} provider={provider.data} />
              </Paper>
            )}
            {provider.data.merged_into_id && (
              <Alert color="gray" role="status" title="Merged as a duplicate">
                This record was merged into <Anchor component={Link} to={`/providers/${provider.data.merged_into_id}`}>the record that stays</Anchor>;
                its referrals and history are there.
              </Alert>
            )}
            <Grid>
              <Grid.Col span={{ base: 12, md: 6 }}>
                <Paper withBorder p="md" radius="md" component="section" aria-labelledby="contact-heading">
                  <Title order={2} size="h4" id="contact-heading" mb="sm">Contact</Title>
                  <Text size="sm">Preferred: <b>{provider.data.preferred_contact_method ? contactMethodLabel(provider.data.preferred_contact_method) : 'not set'}</b></Text>
                  {(provider.data.contact_points ?? []).map((c) => (
                    <Text size="sm" key={`${c.system}-${c.value}`}>{humanize(c.system)}: {c.value}{c.use ? ` (${c.use})` : ''}{c.bad && <Badge ml={6} size="xs" color="red" variant="light">bounced</Badge>}</Text>
                  ))}
                  <Title order={3} size="h5" mt="md" mb={4}>Affiliations</Title>
                  {(provider.data.affiliations ?? []).length === 0 && <Text size="sm" c="dimmed">None recorded.</Text>}
                  {(provider.data.affiliations ?? []).map((a) => (
                    <Text size="sm" key={`${a.organization_id}-${a.role}`}>{a.organization_name ?? a.organization_id} · {humanize(a.role)}</Text>
                  ))}
                </Paper>
              </Grid.Col>
              <Grid.Col span={{ base: 12, md: 6 }}>
                <Paper withBorder p="md" radius="md" component="section" aria-labelledby="staff-heading">
                  <Title order={2} size="h4" id="staff-heading" mb="sm">Office staff</Title>
                  {(provider.data.staff ?? []).length === 0 && <Text size="sm" c="dimmed">No staff contacts.</Text>}
                  {(provider.data.staff ?? []).map((s) => (
                    <div key={s.id ?? s.name}>
                      <Text size="sm" fw={500}>{s.name} <Text span size="xs" c="dimmed">{humanize(s.role)}</Text></Text>
                      <Text size="xs" c="dimmed">{[s.phone, s.email].filter(Boolean).join(' · ') || 'No contact details'}</Text>
                    </div>
                  ))}
                </Paper>
              </Grid.Col>
            </Grid>
          </Stack>
        )}
      </QueryState>
      {seesPatterns && <ReferralPatterns providerId={id} />}
      {seesReferrals && <Paper withBorder p="md" radius="md" component="section" aria-labelledby="sent-heading">
        <Title order={2} size="h4" id="sent-heading" mb="sm">Referrals sent</Title>
        <QueryState isPending={referrals.isPending} error={referrals.error} what="referrals">
          <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm" mb="md">
            <Stat label="Referrals" value={`${card.total}${referrals.data?.truncated ? '+' : ''}`} />
            <Stat label="Converted (seen)" value={pct(card.conversionRate)} />
            <Stat label="Leaked (cancelled)" value={pct(card.leakageRate)} />
            <Stat label="Still open" value={String(card.open)} />
          </SimpleGrid>
          <Table verticalSpacing={4} striped>
            <Table.Thead><Table.Tr><Table.Th>Received</Table.Th><Table.Th>Service line</Table.Th><Table.Th>Status</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {(referrals.data?.items ?? []).slice(0, 25).map((r) => (
                <Table.Tr key={r.id}>
                  <Table.Td><Anchor component={Link} to={`/referrals/${r.id}`}>{formatDate(r.received_at)}</Anchor></Table.Td>
                  <Table.Td>{humanize(r.service_line)}</Table.Td>
                  <Table.Td><StatusBadge status={r.status} /></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </QueryState>
      </Paper>}
    </Stack>
  );
}
