// Where a referrer's referrals go: a matrix of our service lines by receiving provider, with conversion.
import { useState } from 'react';
import { Group, Paper, SegmentedControl, Table, Text, Title } from '@mantine/core';
import { usePatterns } from '../../api/directory';
import type { ReferralPatterns as Patterns } from '../../api/contracts';
import { QueryState } from '../QueryState';
import { humanize } from '../../lib/lifecycle';
import { pct } from '../../lib/format';

const PERIODS: { value: string; label: string; days: number }[] = [
  { value: '90', label: '90 days', days: 90 },
  { value: '365', label: '12 months', days: 365 },
  { value: '1095', label: '3 years', days: 1095 },
];

function since(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

/** Cells keyed by service line and receiver id ('' for not yet assigned). */
export function matrix(data: Patterns) {
  const cell = new Map(data.flows.map((f) => [`${f.service_line}|${f.receiving_provider_id ?? ''}`, f]));
  return { lines: data.service_lines, receivers: data.receivers, at: (line: string, receiver: string) => cell.get(`${line}|${receiver}`) };
}

export function PatternsMatrix({ data }: { data: Patterns }) {
  const { lines, receivers, at } = matrix(data);
  if (data.volume === 0) return <Text size="sm" c="dimmed">No referrals from this provider in the period.</Text>;
  return (
    <Table.ScrollContainer minWidth={480}>
      <Table aria-label="Referrals by service line and receiving provider" withTableBorder withColumnBorders verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Service line</Table.Th>
            {receivers.map((r) => <Table.Th key={r.key}>{r.label}</Table.Th>)}
            <Table.Th>All</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {lines.map((line) => (
            <Table.Tr key={line.key}>
              <Table.Th scope="row">{humanize(line.label)}</Table.Th>
              {receivers.map((r) => {
                const flow = at(line.key, r.key);
                return <Table.Td key={r.key}>{flow ? `${flow.volume} · ${pct(flow.conversion.rate)}` : '—'}</Table.Td>;
              })}
              <Table.Td fw={600}>{line.volume} · {pct(line.conversion.rate)}</Table.Td>
            </Table.Tr>
          ))}
          <Table.Tr>
            <Table.Th scope="row">All</Table.Th>
            {receivers.map((r) => <Table.Td key={r.key} fw={600}>{r.volume} · {pct(r.conversion.rate)}</Table.Td>)}
            <Table.Td fw={700}>{data.volume} · {pct(data.conversion.rate)}</Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export function ReferralPatterns({ providerId }: { providerId: string }) {
  const [period, setPeriod] = useState('365');
  const patterns = usePatterns(providerId, since(PERIODS.find((p) => p.value === period)!.days));
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="patterns-heading">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="patterns-heading">Referral patterns</Title>
        <SegmentedControl size="xs" aria-label="Period" value={period} onChange={setPeriod} data={PERIODS.map(({ value, label }) => ({ value, label }))} />
      </Group>
      <Text size="xs" c="dimmed" mb="xs">Referrals received in the period · share that reached completed (conversion).</Text>
      <QueryState isPending={patterns.isPending} error={patterns.error} what="referral patterns">
        {patterns.data && <PatternsMatrix data={patterns.data} />}
      </QueryState>
    </Paper>
  );
}
