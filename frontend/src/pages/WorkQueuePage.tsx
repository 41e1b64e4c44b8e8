// The coordinator's first screen: their and their queues' open referrals and tasks, most at risk first
// (the server's order), clocks counting down, bulk assign and the one natural next move per row.
import { useState } from 'react';
import { Alert, Anchor, Button, Checkbox, Group, Modal, Paper, ScrollArea, Select, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconUserShare } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router-dom';
import { api, unwrap } from '../api/client';
import type { Referral, ReferralStatus, Task, WorkItem, WorkQueueView } from '../api/contracts';
import { useColleagues } from '../api/hooks';
import { updateTask } from '../api/tasks';
import { QueryState } from '../components/QueryState';
import { SlaClock, useNow } from '../components/SlaClock';
import { StatusBadge, UrgencyBadge } from '../components/StatusBadge';
import { useAuth } from '../auth/AuthContext';
import { humanize, STATUS_LABEL, STATUSES } from '../lib/lifecycle';
import { problemText } from './admin/shared';

type NextMove =
  | { kind: 'move'; to: ReferralStatus; label: string }
  | { kind: 'open'; label: string }
  | { kind: 'done'; label: string };

/** The lifecycle's natural next step from each status: one click, or the referral page when it needs more. */
export function nextMove(item: WorkItem): NextMove | null {
  if (item.type === 'task') return item.next_moves.includes('done') ? { kind: 'done', label: 'Mark done' } : null;
  const can = (to: string) => item.next_moves.includes(to);
  switch (item.status) {
    case 'received': return can('accepted') ? { kind: 'move', to: 'accepted', label: 'Accept' } : null;
    case 'needs_info': return { kind: 'open', label: 'See what is missing' };
    case 'accepted': return { kind: 'open', label: 'Book appointment' };
    case 'scheduled': return { kind: 'open', label: 'Mark seen' };
    case 'completed': return can('closed') ? { kind: 'move', to: 'closed', label: 'Close loop' } : null;
    default: return null;
  }
}

function isStatus(value: string): value is ReferralStatus {
  return (STATUSES as string[]).includes(value);
}

async function freshReferral(id: string): Promise<Referral> {
  return unwrap(await api.GET('/v1/referrals/{referral_id}', { params: { path: { referral_id: id } } })) as Referral;
}

async function freshTask(id: string): Promise<Task> {
  return unwrap(await api.GET('/v1/tasks/{task_id}', { params: { path: { task_id: id } } })) as Task;
}

export function WorkQueuePage() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { me } = useAuth();
  const now = useNow(1000);
  const colleagues = useColleagues();
  const queue = useQuery({
    queryKey: ['work-queue'],
    queryFn: async () => unwrap(await api.GET('/v1/work-queue', { params: { query: { limit: 200 } } })) as WorkQueueView,
    refetchInterval: 60_000,
  });
  const [selected, setSelected] = useState<string[]>([]);
  const [assigning, setAssigning] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ predicate: (q) => ['work-queue', 'referral', 'referrals', 'tasks'].includes(q.queryKey[0] as string) });
  const items = queue.data?.items ?? [];
  const key = (i: WorkItem) => `${i.type}:${i.id}`;
  const names = Object.fromEntries((colleagues.data?.items ?? []).map((c) => [c.id, c.full_name]));
  if (me) names[me.id] = 'you';

  const step = useMutation({
    mutationFn: async ({ item, move }: { item: WorkItem; move: NextMove }) => {
      if (move.kind === 'done') return updateTask(await freshTask(item.id), { status: 'done' });
      if (move.kind === 'move') {
        const current = await freshReferral(item.id);
        return unwrap(await api.POST('/v1/referrals/{referral_id}/transitions', {
          params: { path: { referral_id: item.id }, header: { 'If-Match': `"${current.version}"` } },
          body: { to: move.to },
        }));
      }
      return null;
    },
    onSuccess: (_d, { item, move }) => {
      notifications.show({ color: 'teal', message: move.kind === 'move' ? `${item.label}: now ${STATUS_LABEL[move.to].toLowerCase()}.` : `${item.label}: done.` });
      refresh();
    },
    onError: (err) => { notifications.show({ color: 'red', title: 'Not done', message: problemText(err) }); refresh(); },
  });

  const all = items.length > 0 && selected.length === items.length;
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Stack gap={2}>
          <Title order={1} size="h2">Work queue</Title>
          <Text size="sm" c="dimmed">
            Your open referrals and tasks{queue.data?.queues.length ? ` and those of ${queue.data.queues.join(', ')}` : ''}, most at risk first.
          </Text>
        </Stack>
        <Button leftSection={<IconUserShare size={16} aria-hidden />} disabled={!selected.length} onClick={() => setAssigning(true)}>
          Assign selected{selected.length ? ` (${selected.length})` : ''}
        </Button>
      </Group>
      <QueryState isPending={queue.isPending} error={queue.error} what="work queue">
        <Paper withBorder radius="md">
          <ScrollArea>
            <Table verticalSpacing="xs" miw={740} aria-label="Work queue">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={40}>
                    <Checkbox aria-label="Select all" checked={all} indeterminate={!all && selected.length > 0}
                      onChange={() => setSelected(all ? [] : items.map(key))} />
                  </Table.Th>
                  <Table.Th>Item</Table.Th><Table.Th miw={120}>Status</Table.Th><Table.Th miw={90}>Urgency</Table.Th><Table.Th miw={170}>Clock</Table.Th>
                  <Table.Th>Next move</Table.Th><Table.Th>Queue · assignee</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((item) => {
                  const move = nextMove(item);
                  const checked = selected.includes(key(item));
                  return (
                    <Table.Tr key={key(item)} data-item={item.id} data-type={item.type}>
                      <Table.Td>
                        <Checkbox aria-label={`Select ${item.label}`} checked={checked}
                          onChange={() => setSelected(checked ? selected.filter((k) => k !== key(item)) : [...selected, key(item)])} />
                      </Table.Td>
                      <Table.Td>
                        <Stack gap={0}>
                          {item.referral_id
                            ? <Anchor component={Link} to={`/referrals/${item.referral_id}`} size="sm" fw={500}>{item.label}</Anchor>
                            : <Text size="sm" fw={500}>{item.label}</Text>}
                          <Text size="xs" c="dimmed">{item.type === 'task' ? 'Task' : 'Referral'}</Text>
                        </Stack>
                      </Table.Td>
                      <Table.Td miw={120}>{isStatus(item.status) ? <StatusBadge status={item.status} /> : <Text size="sm">{humanize(item.status)}</Text>}</Table.Td>
                      <Table.Td miw={90}><UrgencyBadge urgency={item.urgency} /></Table.Td>
                      <Table.Td>
                        {item.sla_state
                          ? <SlaClock state={item.sla_state} dueAt={item.due_at} now={now} />
                          : item.due_at ? <SlaClock state="on_track" dueAt={item.due_at} now={now} /> : <Text size="sm" c="dimmed">No clock</Text>}
                      </Table.Td>
                      <Table.Td>
                        {move && (
                          <Button size="compact-sm" variant={move.kind === 'open' ? 'light' : 'filled'}
                            loading={step.isPending && step.variables?.item.id === item.id}
                            aria-label={`${move.label}: ${item.label}`}
                            onClick={() => (move.kind === 'open' ? navigate(`/referrals/${item.referral_id}`) : step.mutate({ item, move }))}>
                            {move.label}
                          </Button>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{item.queue ?? 'No queue'} · {item.assignee_id ? names[item.assignee_id] ?? 'a colleague' : 'unassigned'}</Text>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </ScrollArea>
          {items.length === 0 && <Text p="md" c="dimmed" size="sm">Nothing waiting for you or your queues.</Text>}
        </Paper>
      </QueryState>
      {assigning && (
        <BulkAssignDialog
          items={items.filter((i) => selected.includes(key(i)))}
          onClose={() => setAssigning(false)}
          onDone={() => { setAssigning(false); setSelected([]); refresh(); }}
        />
      )}
    </Stack>
  );
}

function BulkAssignDialog({ items, onClose, onDone }: { items: WorkItem[]; onClose: () => void; onDone: () => void }) {
  const colleagues = useColleagues();
  const [person, setPerson] = useState<string | null>(null);
  const [queue, setQueue] = useState<string | null>(null);
  const [failures, setFailures] = useState<string[]>([]);
  const save = useMutation({
    mutationFn: async () => {
      const changes = { ...(person ? { assignee_id: person } : {}), ...(queue ? { queue } : {}) };
      const failed: string[] = [];
      // One at a time, each with the version just read: a row someone else changed meanwhile is reported, not overwritten.
      for (const item of items) {
        try {
          if (item.type === 'task') {
            await updateTask(await freshTask(item.id), changes);
          } else {
            const current = await freshReferral(item.id);
            unwrap(await api.PATCH('/v1/referrals/{referral_id}', {
              params: { path: { referral_id: item.id }, header: { 'If-Match': `"${current.version}"` } },
              body: changes,
            }));
          }
        } catch (err) {
          failed.push(`${item.label}: ${problemText(err)}`);
        }
      }
      return failed;
    },
    onSuccess: (failed) => {
      if (failed.length) {
        setFailures(failed);
        return;
      }
      notifications.show({ color: 'teal', message: `${items.length} item${items.length > 1 ? 's' : ''} assigned.` });
      onDone();
    },
  });
  const people = (colleagues.data?.items ?? []).map((c) => ({ value: c.id, label: `${c.full_name} (${c.role})` }));
  return (
    <Modal opened onClose={onClose} title={`Assign ${items.length} item${items.length > 1 ? 's' : ''}`}>
      <form onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
        <Stack>
          {failures.length > 0 && (
            <Alert color="red" role="alert" title="Some were not assigned">
              {failures.map((f) => <Text key={f} size="sm">{f}</Text>)}
            </Alert>
          )}
          <Select label="Colleague" placeholder="Keep the assignee" data={people} value={person} onChange={setPerson}
            searchable clearable data-autofocus comboboxProps={{ withinPortal: false }} nothingFoundMessage="No colleague by that name" />
          <Select label="Queue" placeholder="Keep the queue" data={colleagues.data?.queues ?? []} value={queue} onChange={setQueue}
            clearable comboboxProps={{ withinPortal: false }} />
          <Group justify="flex-end">
            <Button variant="default" onClick={failures.length ? onDone : onClose}>{failures.length ? 'Close' : 'Back'}</Button>
            <Button type="submit" loading={save.isPending} disabled={!person && !queue}>Assign</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
