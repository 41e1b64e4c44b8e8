import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Checkbox, Group, MultiSelect, Paper, ScrollArea, Select, Stack, Table, Text, Title } from '@mantine/core';
import { Sparkline } from '@mantine/charts';
import { Link, useSearchParams } from 'react-router-dom';
import { QueryState } from '../components/QueryState';
import { downloadCsv, money, percent, SEGMENT_COLOR, TIER_COLOR, useAssignOwner, useLiaisons, useReferrers } from '../api/relationships';
import { useAuth } from '../auth/AuthContext';
import { problemText } from './admin/shared';

const SORTS = [
  { value: '-volume', label: 'Volume' }, { value: '-score', label: 'Score' }, { value: '-revenue', label: 'Revenue' },
  { value: '-conversion_rate', label: 'Conversion' }, { value: '-leakage_rate', label: 'Leakage' },
  { value: 'trend', label: 'Trend (falling first)' }, { value: 'name', label: 'Name' },
];

export function ReferrersPage() {
  const [params, setParams] = useSearchParams();
  const tier = params.getAll('tier');
  const segment = params.getAll('segment');
  const cooling = params.get('cooling') === 'true';
  const sort = params.get('sort') ?? '-volume';
  const referrers = useReferrers({ tier, segment, cooling: cooling || undefined, sort });
  const update = (name: string, values: string[]) => {
    const next = new URLSearchParams(params);
    next.delete(name);
    values.forEach((v) => next.append(name, v));
    setParams(next, { replace: true });
  };
  const items = referrers.data?.items ?? [];
  const { me } = useAuth();
  const isAdmin = me?.role === 'admin';
  const liaisons = useLiaisons(isAdmin);
  const assign = useAssignOwner();
  const [selected, setSelected] = useState<string[]>([]);
  const [owner, setOwner] = useState<string | null>(null);
  const toggle = (id: string, on: boolean) => setSelected((s) => (on ? [...s, id] : s.filter((x) => x !== id)));
  const assignSelected = async () => {
    await assign.mutateAsync({ providerIds: selected, liaisonId: owner === 'none' ? null : owner });
    setSelected([]);
  };

  return (
    <Stack gap="md">
      <Title order={1} size="h2">Referrers</Title>
      <Group role="search" aria-label="Filter referrers" gap="sm" align="end" wrap="wrap">
        <MultiSelect label="Tier" data={['A', 'B', 'C', 'D']} value={tier} onChange={(v) => update('tier', v)} w={180} clearable />
        <MultiSelect label="Segment" data={['new', 'loyal', 'occasional', 'lapsed']} value={segment} onChange={(v) => update('segment', v)} w={240} clearable />
        <Select label="Sort by" data={SORTS} value={sort} onChange={(v) => update('sort', v ? [v] : [])} w={200} allowDeselect={false} />
        <Checkbox label="Cooling only" checked={cooling} onChange={(e) => update('cooling', e.currentTarget.checked ? ['true'] : [])} />
        <Button variant="light" onClick={() => downloadCsv('/v1/exports/referrers.csv', 'referrers.csv')}>Download CSV</Button>
      </Group>
      {isAdmin && (
        <Group role="group" aria-label="Assign liaison" gap="sm" align="end" wrap="wrap">
          <Select label="Owner liaison" placeholder="Choose a liaison" w={260} value={owner} onChange={setOwner}
            data={[{ value: 'none', label: 'No owner' }, ...(liaisons.data ?? []).map((u) => ({ value: u.id, label: u.full_name }))]} />
          <Button onClick={assignSelected} disabled={!owner || selected.length === 0} loading={assign.isPending}>
            Assign {selected.length || ''} selected
          </Button>
          {assign.isSuccess && !assign.isPending && <Text size="sm" role="status" c="teal.9">Owner saved.</Text>}
          {assign.error && <Alert color="red" role="alert">{problemText(assign.error)}</Alert>}
        </Group>
      )}
      <QueryState isPending={referrers.isPending} error={referrers.error} what="referrers">
        <Paper withBorder radius="md">
          <ScrollArea>
            <Table highlightOnHover verticalSpacing="xs" miw={980}>
              <Table.Caption>
                {items.length} referrers · last 90 days against the 90 before{items[0]?.as_of ? ` · as of ${items[0].as_of}` : ''}
              </Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  {isAdmin && <Table.Th><Checkbox aria-label="Select all referrers" checked={items.length > 0 && selected.length === items.length}
                    indeterminate={selected.length > 0 && selected.length < items.length}
                    onChange={(e) => setSelected(e.currentTarget.checked ? items.map((r) => r.provider_id) : [])} /></Table.Th>}
                  <Table.Th>Referrer</Table.Th><Table.Th>Tier</Table.Th><Table.Th>Segment</Table.Th>
                  <Table.Th>Volume</Table.Th><Table.Th>Trend (13 weeks)</Table.Th><Table.Th>Conversion</Table.Th>
                  <Table.Th>Median days to appt</Table.Th><Table.Th>Leakage</Table.Th><Table.Th>Revenue</Table.Th>
                  <Table.Th>Score</Table.Th><Table.Th>Liaison</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((r) => (
                  <Table.Tr key={r.provider_id}>
                    {isAdmin && <Table.Td><Checkbox aria-label={`Select ${r.name}`} checked={selected.includes(r.provider_id)}
                      onChange={(e) => toggle(r.provider_id, e.currentTarget.checked)} /></Table.Td>}
                    <Table.Td>
                      <Anchor component={Link} to={`/referrers/${r.provider_id}`}>{r.name}</Anchor>
                      {r.cooling && <Badge ml="xs" color="orange" variant="filled" size="sm">Cooling</Badge>}
                      {r.organization_id && r.organization_name
                        ? <Anchor component={Link} to={`/practices/${r.organization_id}`} size="xs" c="dimmed" display="block">{r.organization_name}</Anchor>
                        : <Text size="xs" c="dimmed">{r.specialty ?? ''}</Text>}
                    </Table.Td>
                    <Table.Td>{r.tier ? <Badge color={TIER_COLOR[r.tier]} aria-label={`Tier ${r.tier}`}>{r.tier}</Badge> : '—'}</Table.Td>
                    <Table.Td>{r.segment ? <Badge variant="light" color={SEGMENT_COLOR[r.segment]}>{r.segment}</Badge> : '—'}</Table.Td>
                    <Table.Td>{r.volume} <Text span size="xs" c="dimmed">({r.prior_volume ?? 0} before)</Text></Table.Td>
                    <Table.Td>
                      <Sparkline w={110} h={28} data={r.weekly} curveType="linear" color={r.trend != null && r.trend < 0 ? 'orange' : 'indigo'}
                        fillOpacity={0.3} role="img" aria-label={`Weekly referrals: ${r.weekly.join(', ')}`} />
                    </Table.Td>
                    <Table.Td>{percent(r.conversion_rate)}</Table.Td>
                    <Table.Td>{r.median_days_to_appointment == null ? '—' : r.median_days_to_appointment.toFixed(1)}</Table.Td>
                    <Table.Td>{percent(r.leakage_rate)}</Table.Td>
                    <Table.Td>{money(r.revenue)}</Table.Td>
                    <Table.Td>{r.score == null ? '—' : Math.round(r.score)}</Table.Td>
                    <Table.Td>{r.owner_liaison_name ?? '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        </Paper>
      </QueryState>
    </Stack>
  );
}
