import { useEffect, useState } from 'react';
import { Anchor, Badge, Group, Paper, ScrollArea, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { Link, useSearchParams } from 'react-router-dom';
import { providerName, useProviders } from '../api/hooks';
import { QueryState } from '../components/QueryState';
import { contactMethodLabel } from '../lib/format';
import { useAuth } from '../auth/AuthContext';
import { canReviewDuplicates } from '../lib/roles';

const NUCC = /^[0-9]{3}[0-9A-Z]{6}X$/;

export function ProvidersPage() {
  const { me } = useAuth();
  const [params, setParams] = useSearchParams();
  const [name, setName] = useState(params.get('name') ?? '');
  const [specialty, setSpecialty] = useState(params.get('specialty') ?? '');
  useEffect(() => {
    const t = setTimeout(() => {
      const next = new URLSearchParams();
      if (name.trim()) next.set('name', name.trim());
      if (specialty.trim()) next.set('specialty', specialty.trim());
      if (next.toString() !== params.toString()) setParams(next, { replace: true });
    }, 300);
    return () => clearTimeout(t);
  }, [name, specialty]); // eslint-disable-line react-hooks/exhaustive-deps
  // The API filters by NUCC taxonomy code; words ("cardio") match the specialty names on this page.
  const specialtyParam = params.get('specialty') ?? '';
  const isCode = NUCC.test(specialtyParam);
  const providers = useProviders({ name: params.get('name') ?? '', specialty: isCode ? specialtyParam : '', limit: isCode ? 100 : 200 });
  const words = specialtyParam.toLowerCase();
  const items = (providers.data?.items ?? []).filter(
    (p) => isCode || !words || (p.specialties ?? []).some((sp) => sp.display.toLowerCase().includes(words)),
  );

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1} size="h2">Provider directory</Title>
        {canReviewDuplicates(me?.role) && <Anchor component={Link} to="/providers/duplicates">Review duplicates</Anchor>}
      </Group>
      <Group role="search" aria-label="Search providers" gap="sm" wrap="wrap">
        <TextInput label="Name" leftSection={<IconSearch size={16} aria-hidden />} value={name} onChange={(e) => setName(e.currentTarget.value)} w={260} />
        <TextInput label="Specialty" placeholder="e.g. cardiology or 207RC0000X" value={specialty} onChange={(e) => setSpecialty(e.currentTarget.value)} w={260} />
      </Group>
      <QueryState isPending={providers.isPending} error={providers.error} what="provider directory">
        <Paper withBorder radius="md">
          <ScrollArea>
            <Table highlightOnHover verticalSpacing="xs" miw={640}>
              <Table.Caption>{items.length}{providers.data?.next_cursor ? '+' : ''} providers</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Specialty</Table.Th>
                  <Table.Th>NPI</Table.Th>
                  <Table.Th>Preferred contact</Table.Th>
                  <Table.Th>Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((p) => (
                  <Table.Tr key={p.id}>
                    <Table.Td><Anchor component={Link} to={`/providers/${p.id}`}>{providerName(p)}</Anchor></Table.Td>
                    <Table.Td>{p.specialties?.map((s) => s.display ?? s.code).join(', ') || '—'}</Table.Td>
                    <Table.Td>{p.npi ?? '—'}</Table.Td>
                    <Table.Td>{contactMethodLabel(p.preferred_contact_method)}</Table.Td>
                    {/* The label may not shrink: a narrow table used to cut it to "ACTI…". */}
                    <Table.Td><Badge variant="light" color={p.status === 'active' ? 'teal' : 'gray'} styles={{ root: { overflow: 'visible' }, label: { overflow: 'visible' } }}>{p.status ?? 'active'}</Badge></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
          {items.length === 0 && <Text p="md" c="dimmed" size="sm">No providers match.</Text>}
        </Paper>
      </QueryState>
    </Stack>
  );
}
