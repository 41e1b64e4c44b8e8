// Work queues: who works them, who leads them (escalations go to the lead), which calendar their clocks use.
import { useState } from 'react';
import { Alert, Button, Group, Modal, MultiSelect, Paper, ScrollArea, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { BusinessCalendar, WorkQueue } from '../../api/contracts';
import { useUsers } from '../../api/hooks';
import { QueryState } from '../../components/QueryState';
import { useWorkQueues } from './RoutingSection';
import { fieldErrors } from './shared';

function useCalendars() {
  return useQuery({
    queryKey: ['admin', 'calendars'],
    queryFn: async () => unwrap(await api.GET('/v1/calendars')) as BusinessCalendar[],
  });
}

export function QueuesSection() {
  const queryClient = useQueryClient();
  const queues = useWorkQueues();
  const users = useUsers();
  const calendars = useCalendars();
  const [editing, setEditing] = useState<WorkQueue | 'new' | null>(null);
  const name = (id: string | null | undefined) => (id ? users.data?.items.find((u) => u.id === id)?.full_name ?? 'a former colleague' : '—');
  const items = queues.data ?? [];
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text c="dimmed" size="sm">Routing rules send referrals to these queues; their members see them in their work queue.</Text>
        <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setEditing('new')}>Add queue</Button>
      </Group>
      <QueryState isPending={queues.isPending} error={queues.error} what="work queues">
        <Paper withBorder radius="md">
          <ScrollArea>
            <Table verticalSpacing="xs" miw={640} aria-label="Work queues">
              <Table.Thead>
                <Table.Tr><Table.Th>Queue</Table.Th><Table.Th>Lead</Table.Th><Table.Th>Calendar</Table.Th><Table.Th>Members</Table.Th><Table.Th>Actions</Table.Th></Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((q) => (
                  <Table.Tr key={q.id} data-queue={q.name}>
                    <Table.Td><Text size="sm" fw={500}>{q.name}</Text></Table.Td>
                    <Table.Td>{name(q.lead_id)}</Table.Td>
                    <Table.Td>{calendars.data?.find((c) => c.id === q.calendar_id)?.name ?? 'Default'}</Table.Td>
                    <Table.Td><Text size="sm">{(q.member_ids ?? []).map((m) => name(m)).join(', ') || 'Nobody yet'}</Text></Table.Td>
                    <Table.Td><Button size="compact-xs" variant="light" onClick={() => setEditing(q)} aria-label={`Edit ${q.name}`}>Edit</Button></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
          {items.length === 0 && <Text p="md" c="dimmed" size="sm">No work queues.</Text>}
        </Paper>
      </QueryState>
      {editing && (
        <QueueDialog queue={editing === 'new' ? null : editing} onClose={() => setEditing(null)}
          onSaved={() => { setEditing(null); queryClient.invalidateQueries({ queryKey: ['admin', 'work-queues'] }); queryClient.invalidateQueries({ queryKey: ['colleagues'] }); }} />
      )}
    </Stack>
  );
}

function QueueDialog({ queue, onClose, onSaved }: { queue: WorkQueue | null; onClose: () => void; onSaved: () => void }) {
  const users = useUsers();
  const calendars = useCalendars();
  const [name, setName] = useState(queue?.name ?? '');
  const [lead, setLead] = useState<string | null>(queue?.lead_id ?? null);
  const [calendar, setCalendar] = useState<string | null>(queue?.calendar_id ?? null);
  const [members, setMembers] = useState<string[]>(queue?.member_ids ?? []);
  const save = useMutation({
    mutationFn: async () => {
      const body = { name, lead_id: lead, calendar_id: calendar, member_ids: members };
      return queue
        ? unwrap(await api.PUT('/v1/work-queues/{queue_id}', { params: { path: { queue_id: queue.id }, header: { 'If-Match': `"${queue.version}"` } }, body }))
        : unwrap(await api.POST('/v1/work-queues', { body }));
    },
    onSuccess: onSaved,
  });
  const errors = fieldErrors(save.error, ['name', 'lead_id', 'calendar_id', 'member_ids']);
  const people = (users.data?.items ?? []).filter((u) => u.role !== 'analyst').map((u) => ({ value: u.id, label: `${u.full_name} (${u.role})` }));
  return (
    <Modal opened onClose={onClose} title={queue ? `Edit ${queue.name}` : 'Add work queue'} size="lg">
      <form onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
        <Stack>
          {errors.general.map((g) => <Alert key={g} color="red" role="alert">{g}</Alert>)}
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.fields.name} data-autofocus />
          <MultiSelect label="Members" data={people} value={members} onChange={setMembers} searchable error={errors.fields.member_ids}
            comboboxProps={{ withinPortal: false }} />
          <Select label="Lead" description="Gets the escalation task when a clock breaches." data={people} value={lead} onChange={setLead}
            clearable searchable error={errors.fields.lead_id} comboboxProps={{ withinPortal: false }} />
          <Select label="Calendar" placeholder="The default calendar" data={(calendars.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
            value={calendar} onChange={setCalendar} clearable error={errors.fields.calendar_id} comboboxProps={{ withinPortal: false }} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" loading={save.isPending}>Save queue</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
