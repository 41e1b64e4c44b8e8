import { Alert, Button, Stack, Tabs, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router-dom';
import { useColleagues, useUsers } from '../api/hooks';
import { listTasks, updateTask, type TaskQuery } from '../api/tasks';
import type { Me, Task } from '../api/contracts';
import { useAuth } from '../auth/AuthContext';
import { QueryState } from '../components/QueryState';
import { TaskRow } from '../components/TaskRow';

const OPEN: Task['status'][] = ['open', 'in_progress'];
type Tab = 'mine' | 'queue' | 'overdue';

export function taskQueryFor(tab: Tab, me: Pick<Me, 'id' | 'queue'>): TaskQuery | null {
  if (tab === 'mine') return { assignee_id: me.id, status: OPEN };
  if (tab === 'queue') return me.queue ? { queue: me.queue, status: OPEN } : null;
  return { overdue: true, status: OPEN };
}

function TaskList({ query }: { query: TaskQuery }) {
  const queryClient = useQueryClient();
  const { me } = useAuth();
  const users = useUsers();
  const colleagues = useColleagues();
  const people = users.data?.items ?? colleagues.data?.items ?? (me ? [me] : []);
  const result = useInfiniteQuery({
    queryKey: ['tasks', 'inbox', query],
    queryFn: ({ pageParam }) => listTasks({ ...query, limit: 50, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    retry: false,
  });
  const action = useMutation({
    mutationFn: ({ task, changes }: { task: Task; changes: Parameters<typeof updateTask>[1] }) => updateTask(task, changes),
    onSuccess: (_d, { changes }) => {
      notifications.show({ color: 'teal', message: changes.status === 'done' ? 'Task completed.' : 'Task reassigned.' });
      queryClient.invalidateQueries({ queryKey: ['tasks'] });
    },
    onError: (error) => {
      notifications.show({ color: 'red', title: 'Task not updated', message: (error as Error).message });
      queryClient.invalidateQueries({ queryKey: ['tasks'] });
    },
  });
  const items = result.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <QueryState isPending={result.isPending} error={result.error} what="tasks">
      <Stack gap="xs">
        {items.length === 0 && <Text c="dimmed" size="sm">Nothing here. Well done.</Text>}
        {items.map((t) => (
          <TaskRow
            key={t.id}
            task={t}
            users={people}
            busy={action.isPending && action.variables?.task.id === t.id}
            onComplete={(task) => action.mutate({ task, changes: { status: 'done' } })}
            onReassign={(task, to) => action.mutate({ task, changes: to })}
          />
        ))}
        {result.hasNextPage && (
          <Button variant="light" onClick={() => result.fetchNextPage()} loading={result.isFetchingNextPage}>Load more</Button>
        )}
      </Stack>
    </QueryState>
  );
}

export function TasksPage() {
  const { me } = useAuth();
  const [params, setParams] = useSearchParams();
  const tab = (['mine', 'queue', 'overdue'].includes(params.get('tab') ?? '') ? params.get('tab') : 'mine') as Tab;
  const query = me ? taskQueryFor(tab, me) : null;
  return (
    <Stack gap="md">
      <Title order={1} size="h2">Tasks</Title>
      <Tabs value={tab} onChange={(t) => setParams(t && t !== 'mine' ? { tab: t } : {})}>
        <Tabs.List>
          <Tabs.Tab value="mine">Mine</Tabs.Tab>
          <Tabs.Tab value="queue">{me?.queue ? `Queue: ${me.queue}` : 'My queue'}</Tabs.Tab>
          <Tabs.Tab value="overdue">Overdue</Tabs.Tab>
        </Tabs.List>
      </Tabs>
      {query ? <TaskList key={tab} query={query} /> : <Alert color="gray">You are not in a work queue.</Alert>}
    </Stack>
  );
}
