// What the patient's appointment page (/a/<token>) says to do before a visit, per service line.
import { useState } from 'react';
import { Alert, Button, Group, Paper, Select, Stack, Table, Text, Textarea } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { PreparationInstruction } from '../../api/contracts';
import { useServiceLines } from '../../api/reference';
import { QueryState } from '../../components/QueryState';
import { formatDateTime } from '../../lib/format';
import { fieldErrors } from './shared';

const KEY = ['admin', 'preparation-instructions'];

export function PreparationSection() {
  const queryClient = useQueryClient();
  const lines = useServiceLines();
  const saved = useQuery({
    queryKey: KEY,
    queryFn: async () => unwrap(await api.GET('/v1/preparation-instructions')) as PreparationInstruction[],
  });
  const [line, setLine] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const lineName = (key: string) => lines.data?.find((l) => l.key === key)?.display ?? key;
  const pick = (key: string | null) => {
    setLine(key);
    setNotice(null);
    save.reset();
    setText(saved.data?.find((p) => p.service_line === key)?.text ?? '');
  };
  const done = (message: string) => { setNotice(message); void queryClient.invalidateQueries({ queryKey: KEY }); };
  const save = useMutation({
    mutationFn: async () => unwrap(await api.PUT('/v1/preparation-instructions/{service_line}',
      { params: { path: { service_line: line! } }, body: { text } })),
    onSuccess: () => done(`Saved for ${lineName(line!)}.`),
  });
  const remove = useMutation({
    mutationFn: async (key: string) => unwrap(await api.DELETE('/v1/preparation-instructions/{service_line}',
      { params: { path: { service_line: key } } })),
    onSuccess: (_, key) => { if (key === line) setText(''); done(`Removed for ${lineName(key)}.`); },
  });
  const errors = fieldErrors(save.error ?? remove.error, ['text']);
  const has = (key: string | null) => !!saved.data?.some((p) => p.service_line === key);
  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        Patients see these on the page their booking notice and reminder link to, for the service line of their visit.
      </Text>
      <Paper withBorder p="md" radius="md" component="form" aria-label="Edit preparation instructions"
        onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
        <Stack gap="sm">
          <Select label="Service line" placeholder="Pick a service line" searchable value={line} onChange={pick}
            data={(lines.data ?? []).map((l) => ({ value: l.key, label: l.display }))} />
          <Textarea label="Instructions for the patient" autosize minRows={4} maxLength={4000} disabled={!line}
            value={text} onChange={(e) => setText(e.currentTarget.value)} error={errors.fields.text} />
          {errors.general.length > 0 && <Alert color="red" role="alert">{errors.general.join(' ')}</Alert>}
          {notice && <Alert color="teal" role="status">{notice}</Alert>}
          <Group>
            <Button type="submit" disabled={!line || !text.trim()} loading={save.isPending}>Save instructions</Button>
            {has(line) && (
              <Button variant="default" color="red" onClick={() => remove.mutate(line!)} loading={remove.isPending}>Remove</Button>
            )}
          </Group>
        </Stack>
      </Paper>
      <QueryState isPending={saved.isPending} error={saved.error} what="preparation instructions">
        {(saved.data ?? []).length === 0 ? (
          <Text size="sm" c="dimmed">No instructions yet: patients' pages show none.</Text>
        ) : (
          <Table verticalSpacing={4} aria-label="Preparation instructions">
            <Table.Thead><Table.Tr><Table.Th>Service line</Table.Th><Table.Th>Instructions</Table.Th><Table.Th>Updated</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {(saved.data ?? []).map((p) => (
                <Table.Tr key={p.service_line}>
                  <Table.Td>{lineName(p.service_line)}</Table.Td>
                  <Table.Td><Text size="sm" lineClamp={2}>{p.text}</Text></Table.Td>
                  <Table.Td><Text size="xs">{formatDateTime(p.updated_at)} · {p.updated_by}</Text></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
    </Stack>
  );
}
