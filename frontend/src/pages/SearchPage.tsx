import { Alert, Anchor, Paper, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { api, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { QueryState } from '../components/QueryState';
import { StatusBadge } from '../components/StatusBadge';
import { formatDateTime, initials } from '../lib/format';
import { humanize } from '../lib/lifecycle';

type Results = components['schemas']['SearchResults'];

const MATCHED: Record<string, string> = {
  referral_id: 'referral id',
  reference: 'reference',
  mrn: 'MRN',
  surname: 'surname',
  surname_birth_date: 'surname and birth date',
  phone: 'phone',
  referrer_name: 'referrer name',
  referrer_npi: 'referrer NPI',
};

/** Referrals found from the header's search box, newest first, each saying what matched. */
export function SearchPage() {
  const [params] = useSearchParams();
  const q = (params.get('q') ?? '').trim();
  const result = useQuery({
    queryKey: ['search', q],
    queryFn: async () => unwrap(await api.GET('/v1/search', { params: { query: { q, limit: 50 } } })) as Results,
    enabled: q.length >= 2,
  });
  const items = result.data?.items ?? [];
  return (
    <Stack gap="md">
      <Title order={1} size="h2">Search</Title>
      {q.length < 2 ? (
        <Text c="dimmed">Type at least two characters in the search box.</Text>
      ) : (
        <QueryState isPending={result.isPending} error={result.error} what="search results">
          <Text size="sm" c="dimmed" aria-live="polite">
            {items.length === 0 ? `Nothing found for “${q}”.` : `${items.length}${result.data?.more ? '+' : ''} referrals for “${q}”`}
          </Text>
          {items.length === 0 && (
            <Text size="sm">Try a surname (any case, accents optional), a surname with a birth date such as “Lopez 1968-04-12”,
              an MRN, a phone number, a reference such as R-1A2B3C4D, or a referrer's name or NPI.</Text>
          )}
          {result.data?.more && <Alert color="blue">More referrals match than are shown: add a birth date to narrow it.</Alert>}
          {items.length > 0 && (
            <Paper withBorder radius="md">
              <ScrollArea>
                <Table highlightOnHover verticalSpacing="xs" miw={720}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Received</Table.Th>
                      <Table.Th>Patient</Table.Th>
                      <Table.Th>Service line</Table.Th>
                      <Table.Th>Status</Table.Th>
                      <Table.Th>Referrer</Table.Th>
                      <Table.Th>Matched on</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {items.map(({ referral: r, matched, referrer_name }) => (
                      <Table.Tr key={r.id}>
                        <Table.Td><Anchor component={Link} to={`/referrals/${r.id}`}>{formatDateTime(r.received_at)}</Anchor></Table.Td>
                        <Table.Td>{initials(r.patient.given_name, r.patient.family_name)} · born {r.patient.birth_date.slice(0, 4)}</Table.Td>
                        <Table.Td>{humanize(r.service_line)}</Table.Td>
                        <Table.Td><StatusBadge status={r.status} /></Table.Td>
                        <Table.Td>{referrer_name ?? '—'}</Table.Td>
                        <Table.Td>{matched.map((m) => MATCHED[m] ?? m).join(', ')}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollArea>
            </Paper>
          )}
        </QueryState>
      )}
    </Stack>
  );
}
