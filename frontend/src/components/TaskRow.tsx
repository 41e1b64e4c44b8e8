import { useState } from 'react';
import { ActionIcon, Badge, Button, Group, Paper, Popover, Select, Stack, Text, TextInput } from '@mantine/core';
import { IconCheck } from '@tabler/icons-react';
import { Link } from 'react-router-dom';
import type { Task, UserSummary } from '../api/contracts';
import { formatDateTime } from '../lib/format';
import { humanize } from '../lib/lifecycle';

export function isTaskOverdue(task: Task, now = new Date()): boolean {
  return (task.status === 'open' || task.status === 'in_progress') && new Date(task.due_at).getTime() < now.getTime();
}

const PRIORITY_COLOR: Record<string, string> = { low: 'gray', normal: 'blue', high: 'orange', urgent: 'red' };

/** One task with in-place actions: complete, and reassign to a person or a queue. */
export function TaskRow({ task, users, onComplete, onReassign, busy, showReferralLink = true }: {
  task: Task;
  /** People a task can go to; non-admins get only themselves (the staff list is admin-only). */
  users: Pick<UserSummary, 'id' | 'full_name'>[];
  onComplete?: (task: Task) => void;
  onReassign?: (task: Task, to: { assignee_id?: string | null; queue?: string | null }) => void;
  busy?: boolean;
  showReferralLink?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [assignee, setAssignee] = useState<string | null>(task.assignee_id ?? null);
  const [queue, setQueue] = useState(task.queue ?? '');
  const overdue = isTaskOverdue(task);
  const done = task.status === 'done' || task.status === 'cancelled';
  const assigneeName = users.find((u) => u.id === task.assignee_id)?.full_name;

  return (
    <Paper withBorder p="sm" radius="md" className={overdue ? 'overdue' : undefined} data-task-id={task.id}>
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Stack gap={2} style={{ minWidth: 0 }}>
          <Group gap={6}>
            <Text fw={600} size="sm" td={done ? 'line-through' : undefined}>{task.title}</Text>
            <Badge size="xs" variant="light" color={PRIORITY_COLOR[task.priority] ?? 'gray'}>{task.priority}</Badge>
            {overdue && <Badge size="xs" color="red">Overdue</Badge>}
            {done && <Badge size="xs" color="teal" variant="light">{humanize(task.status)}</Badge>}
          </Group>
          <Text size="xs" c="dimmed">
            {humanize(task.type)} · due {formatDateTime(task.due_at)} · {assigneeName ?? (task.assignee_id ? 'assigned' : 'unassigned')}
            {task.queue ? ` · queue ${task.queue}` : ''}
          </Text>
          {showReferralLink && task.referral_id && (
            <Text size="xs"><Link to={`/referrals/${task.referral_id}`}>Open referral</Link></Text>
          )}
        </Stack>
        {!done && (onComplete || onReassign) && (
          <Group gap={6} wrap="nowrap">
            {onReassign && (
              <Popover opened={open} onChange={setOpen} trapFocus position="bottom-end" withArrow>
                <Popover.Target>
                  <Button size="compact-sm" variant="default" onClick={() => setOpen((o) => !o)} aria-label={`Reassign ${task.title}`}>
                    Reassign
                  </Button>
                </Popover.Target>
                <Popover.Dropdown>
                  <form onSubmit={(e) => { e.preventDefault(); onReassign(task, { assignee_id: assignee, queue: queue.trim() || null }); setOpen(false); }}>
                    <Stack gap="xs" w={240}>
                      <Select
                        label="Assignee"
                        data={users.map((u) => ({ value: u.id, label: u.full_name }))}
                        value={assignee}
                        onChange={setAssignee}
                        clearable
                        searchable
                        placeholder={users.length ? 'Unassigned' : 'No user list'}
                        comboboxProps={{ withinPortal: false }}
                      />
                      <TextInput label="Queue" value={queue} onChange={(e) => setQueue(e.currentTarget.value)} />
                      <Button type="submit" size="xs">Save</Button>
                    </Stack>
                  </form>
                </Popover.Dropdown>
              </Popover>
            )}
            {onComplete && (
              <ActionIcon variant="light" color="teal" size="lg" onClick={() => onComplete(task)} loading={busy} aria-label={`Complete ${task.title}`}>
                <IconCheck size={18} aria-hidden />
              </ActionIcon>
            )}
          </Group>
        )}
      </Group>
    </Paper>
  );
}
