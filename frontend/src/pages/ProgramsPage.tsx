import { useState } from 'react';
import { Alert, Button, Group, NumberInput, Paper, ScrollArea, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ProblemError, unwrap } from '../api/client';
import { useAuth } from '../auth/AuthContext';
import { QueryState } from '../components/QueryState';
import { downloadCsv, money, usePrograms, useProgramCosts, useRoi } from '../api/relationships';

function AddCost({ programId }: { programId: string }) {
  const client = useQueryClient();
  const [incurredOn, setIncurredOn] = useState(new Date().toISOString().slice(0, 10));
  const [amount, setAmount] = useState<string | number>('');
  const [note, setNote] = useState('');
  const add = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/programs/{program_id}/costs', {
      params: { path: { program_id: programId } },
      body: { incurred_on: incurredOn, amount: Number(amount), note: note || null },
    })),
    onSuccess: () => {
      setAmount(''); setNote('');
      client.invalidateQueries({ queryKey: ['program-costs', programId] });
      client.invalidateQueries({ queryKey: ['roi'] });
    },
  });
  return (
    <form aria-label="Add cost" onSubmit={(e) => { e.preventDefault(); add.mutate(); }}>
      <Group align="end" wrap="wrap">
        <TextInput label="Incurred on" type="date" value={incurredOn} onChange={(e) => setIncurredOn(e.currentTarget.value)} required w={170} />
        <NumberInput label="Amount" prefix="$" min={0.01} decimalScale={2} value={amount} onChange={setAmount} required w={150} />
        <TextInput label="Note" value={note} onChange={(e) => setNote(e.currentTarget.value)} w={260} maxLength={300} />
        <Button type="submit" loading={add.isPending}>Add cost</Button>
      </Group>
      {add.error && <Alert color="red" mt="xs" role="alert">{add.error instanceof ProblemError ? add.error.message : String(add.error)}</Alert>}
      {add.isSuccess && <Text size="sm" c="teal.9" mt="xs" role="status">Cost added.</Text>}
    </form>
  );
}

function ProgramCosts({ canAdd }: { canAdd: boolean }) {
  const programs = usePrograms();
  const [programId, setProgramId] = useState<string | null>(null);
  const current = programId ?? programs.data?.[0]?.id ?? null;
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="costs-heading">
      <Stack gap="sm">
        <Title order={2} size="h4" id="costs-heading">Program costs</Title>
        <Select label="Program" w={300} value={current} onChange={setProgramId} allowDeselect={false}
          data={(programs.data ?? []).map((p) => ({ value: p.id, label: p.name }))} />
        {current && <CostList programId={current} />}
        {current && canAdd && <AddCost key={current} programId={current} />}
      </Stack>
    </Paper>
  );
}

function CostList({ programId }: { programId: string }) {
  const costs = useProgramCosts(programId);
  const items = costs.data ?? [];
  return (
    <QueryState isPending={costs.isPending} error={costs.error} what="costs">
      <Table verticalSpacing={4} aria-label="Costs">
        <Table.Thead><Table.Tr><Table.Th>Incurred on</Table.Th><Table.Th ta="right">Amount</Table.Th><Table.Th>Note</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {items.map((c) => (
            <Table.Tr key={c.id}><Table.Td>{c.incurred_on}</Table.Td><Table.Td ta="right">{money(c.amount)}</Table.Td><Table.Td>{c.note ?? ''}</Table.Td></Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {items.length === 0 && <Text size="sm" c="dimmed">No costs recorded for this program.</Text>}
    </QueryState>
  );
}

export function ProgramsPage() {
  const { me } = useAuth();
  const roi = useRoi();
  const client = useQueryClient();
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/programs', { body: { name } })),
    onSuccess: () => { setName(''); client.invalidateQueries({ queryKey: ['roi'] }); client.invalidateQueries({ queryKey: ['programs'] }); },
  });
  const canCreate = me?.role === 'admin' || me?.role === 'liaison';
  return (
    <Stack gap="md">
      <Title order={1} size="h2">Programs &amp; ROI</Title>
      {canCreate && (
        <form aria-label="New program" onSubmit={(e) => { e.preventDefault(); create.mutate(); }}>
          <Group align="end">
            <TextInput label="New program" value={name} onChange={(e) => setName(e.currentTarget.value)} required w={300} />
            <Button type="submit" loading={create.isPending}>Add program</Button>
          </Group>
          {create.error && <Alert color="red" mt="xs">{create.error instanceof ProblemError ? create.error.message : String(create.error)}</Alert>}
        </form>
      )}
      <QueryState isPending={roi.isPending} error={roi.error} what="ROI">
        <Paper withBorder radius="md">
          <ScrollArea>
            <Table verticalSpacing="xs" miw={640}>
              <Table.Caption>Last 12 months. A referral counts for the program of its referrer's last touchpoint in the 90 days before it.</Table.Caption>
              <Table.Thead>
                <Table.Tr><Table.Th>Program</Table.Th><Table.Th>Cost</Table.Th><Table.Th>Attributed referrals</Table.Th><Table.Th>Attributed revenue</Table.Th><Table.Th>ROI</Table.Th></Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(roi.data?.programs ?? []).map((p) => (
                  <Table.Tr key={p.program_id}>
                    <Table.Td>{p.name}</Table.Td><Table.Td>{money(p.cost)}</Table.Td><Table.Td>{p.attributed_referrals}</Table.Td>
                    <Table.Td>{money(p.attributed_revenue)}</Table.Td>
                    <Table.Td>{p.roi == null ? '—' : `${Math.round(p.roi * 100)}%`}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        </Paper>
      </QueryState>
      <Group><Button variant="light" onClick={() => downloadCsv('/v1/exports/roi.csv', 'roi.csv')}>Download ROI as CSV</Button></Group>
      <ProgramCosts canAdd={me?.role === 'admin'} />
    </Stack>
  );
}
