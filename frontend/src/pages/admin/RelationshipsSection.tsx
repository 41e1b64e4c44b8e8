import { useEffect, useState } from 'react';
import { ActionIcon, Alert, Button, Group, MultiSelect, NumberInput, Paper, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { serviceLineOptions, usePayerClasses, useServiceLines } from '../../api/reference';
import type { FeeSchedule, RelationshipSettings } from '../../api/relationships';
import { QueryState } from '../../components/QueryState';
import { problemText } from './shared';

type Weights = RelationshipSettings['weights'];
type FeeEntry = FeeSchedule['entries'][number];
const WEIGHTS: { key: keyof Weights; label: string }[] = [
  { key: 'volume', label: 'Volume' }, { key: 'conversion', label: 'Conversion rate' },
  { key: 'growth', label: 'Growth' }, { key: 'strategic', label: 'Strategic share' },
];

function ScoreSettings() {
  const client = useQueryClient();
  const lines = useServiceLines();
  const current = useQuery({
    queryKey: ['settings', 'relationships'],
    queryFn: async () => unwrap(await api.GET('/v1/settings/relationships')) as RelationshipSettings,
  });
  const [weights, setWeights] = useState<Weights | null>(null);
  const [strategic, setStrategic] = useState<string[]>([]);
  useEffect(() => {
    if (current.data) { setWeights(current.data.weights); setStrategic(current.data.strategic_service_lines); }
  }, [current.data]);
  const save = useMutation({
    mutationFn: async () => unwrap(await api.PUT('/v1/settings/relationships', {
      params: { header: { 'If-Match': `"${current.data?.version}"` } },
      body: { weights: weights!, strategic_service_lines: strategic },
    })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['settings', 'relationships'] }),
  });
  const total = weights ? WEIGHTS.reduce((sum, w) => sum + (weights[w.key] ?? 0), 0) : 0;
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="score-heading">
      <QueryState isPending={current.isPending} error={current.error} what="relationship settings">
        {weights && (
          <form aria-label="Score settings" onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
            <Stack gap="sm">
              <Title order={2} size="h4" id="score-heading">Referrer score</Title>
              <Text size="sm" c="dimmed">The score is the weighted mean of a referrer's percentiles among active referrers. Weights must sum to 1.</Text>
              <SimpleGrid cols={{ base: 2, md: 4 }}>
                {WEIGHTS.map((w) => (
                  <NumberInput key={w.key} label={`${w.label} weight`} min={0} max={1} step={0.05} decimalScale={3}
                    value={weights[w.key]} onChange={(v) => setWeights({ ...weights, [w.key]: Number(v) || 0 })} />
                ))}
              </SimpleGrid>
              <Text size="sm" c={Math.abs(total - 1) > 1e-6 ? 'red.8' : 'dimmed'}>Sum: {+total.toFixed(3)}</Text>
              <MultiSelect label="Strategic service lines" searchable clearable value={strategic} onChange={setStrategic}
                data={serviceLineOptions(lines.data, strategic)} />
              {save.error && <Alert color="red" role="alert">{problemText(save.error)}</Alert>}
              {save.isSuccess && !save.isPending && <Alert color="teal" role="status">Saved; figures recomputed.</Alert>}
              <Group><Button type="submit" loading={save.isPending}>Save score settings</Button></Group>
            </Stack>
          </form>
        )}
      </QueryState>
    </Paper>
  );
}

function FeeScheduleEditor() {
  const client = useQueryClient();
  const lines = useServiceLines();
  const payers = usePayerClasses();
  const current = useQuery({
    queryKey: ['settings', 'fee-schedule'],
    queryFn: async () => unwrap(await api.GET('/v1/settings/fee-schedule')) as FeeSchedule,
  });
  const [entries, setEntries] = useState<FeeEntry[]>([]);
  useEffect(() => { if (current.data) setEntries(current.data.entries); }, [current.data]);
  const save = useMutation({
    mutationFn: async () => unwrap(await api.PUT('/v1/settings/fee-schedule', { body: { entries } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['settings', 'fee-schedule'] }),
  });
  const set = (i: number, change: Partial<FeeEntry>) => setEntries(entries.map((e, j) => (j === i ? { ...e, ...change } : e)));
  const lineOptions = serviceLineOptions(lines.data, entries.map((e) => e.service_line));
  const payerOptions = (payers.data ?? []).map((p) => ({ value: p.key, label: p.display }));
  // A new row starts on the first pair the schedule does not price yet.
  const nextPair = (): FeeEntry => {
    for (const line of lineOptions) {
      for (const payer of payerOptions) {
        if (!entries.some((e) => e.service_line === line.value && e.payer_class === payer.value)) {
          return { service_line: line.value, payer_class: payer.value as FeeEntry['payer_class'], amount: 0 };
        }
      }
    }
    return { service_line: lineOptions[0]?.value ?? '', payer_class: 'commercial', amount: 0 };
  };
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="fees-heading">
      <QueryState isPending={current.isPending} error={current.error} what="fee schedule">
        <form aria-label="Fee schedule" onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
          <Stack gap="sm">
            <Title order={2} size="h4" id="fees-heading">Fee schedule</Title>
            <Text size="sm" c="dimmed">Expected revenue of a completed referral, by service line and payer class. A pair not listed is not priced.</Text>
            <Table verticalSpacing={4} aria-label="Fee schedule entries">
              <Table.Thead><Table.Tr><Table.Th>Service line</Table.Th><Table.Th>Payer class</Table.Th><Table.Th>Amount</Table.Th><Table.Th /></Table.Tr></Table.Thead>
              <Table.Tbody>
                {entries.map((entry, i) => (
                  <Table.Tr key={i}>
                    <Table.Td><Select aria-label={`Service line, row ${i + 1}`} data={lineOptions} value={entry.service_line} searchable
                      onChange={(v) => set(i, { service_line: v ?? '' })} allowDeselect={false} /></Table.Td>
                    <Table.Td><Select aria-label={`Payer class, row ${i + 1}`} data={payerOptions} value={entry.payer_class}
                      onChange={(v) => set(i, { payer_class: (v ?? 'commercial') as FeeEntry['payer_class'] })} allowDeselect={false} /></Table.Td>
                    <Table.Td><NumberInput aria-label={`Amount, row ${i + 1}`} prefix="$" min={0} decimalScale={2} value={entry.amount}
                      onChange={(v) => set(i, { amount: Number(v) || 0 })} /></Table.Td>
                    <Table.Td><ActionIcon variant="subtle" color="red" aria-label={`Remove row ${i + 1}`}
                      onClick={() => setEntries(entries.filter((_, j) => j !== i))}><IconTrash size={16} aria-hidden /></ActionIcon></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {save.error && <Alert color="red" role="alert">{problemText(save.error)}</Alert>}
            {save.isSuccess && !save.isPending && <Alert color="teal" role="status">Fee schedule saved; figures recomputed.</Alert>}
            <Group>
              <Button variant="default" onClick={() => setEntries([...entries, nextPair()])}>Add row</Button>
              <Button type="submit" loading={save.isPending}>Save fee schedule</Button>
            </Group>
          </Stack>
        </form>
      </QueryState>
    </Paper>
  );
}

/** Admin settings the referrer figures read: score weights, strategic service lines, the fee schedule. */
export function RelationshipsSection() {
  return (
    <Stack gap="md">
      <ScoreSettings />
      <FeeScheduleEditor />
    </Stack>
  );
}
