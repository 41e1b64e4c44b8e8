import { useState } from 'react';
import { Alert, Button, Group, Paper, ScrollArea, Stack, Table, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ProblemError, unwrap } from '../api/client';
import { useAuth } from '../auth/AuthContext';
import { QueryState } from '../components/QueryState';
import { downloadCsv, money, useRoi } from '../api/relationships';

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
    </Stack>
  );
}
