import { Button, Group, MultiSelect, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router-dom';
import { api, unwrap } from '../api/client';
import type { Message, Page } from '../api/contracts';
import { QueryState } from '../components/QueryState';
import { MessageDrawer } from '../components/outreach/MessageDrawer';
import { MessageTable } from '../components/outreach/MessageTable';
import { CHANNELS, MESSAGE_KINDS, MESSAGE_STATUSES } from '../lib/outreach';

type Status = 'queued' | 'sent' | 'failed' | 'suppressed';
const options = (labels: Record<string, string>) => Object.entries(labels).map(([value, label]) => ({ value, label }));

/** Every outbound message, with its filters in the address so a view can be shared or reloaded. */
export function MessagesPage() {
  const [params, setParams] = useSearchParams();
  const status = (params.get('status') ?? '').split(',').filter(Boolean) as Status[];
  const channel = params.get('channel') ?? '';
  const kind = params.get('kind') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) if (v) next.set(k, v); else next.delete(k);
    setParams(next, { replace: true });
  };
  const query = {
    status: status.length ? status : undefined,
    channel: channel || undefined,
    kind: kind || undefined,
    created_from: from || undefined,
    // The "to" day is included: the API's bound is exclusive.
    created_to: to ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString() : undefined,
    limit: 50,
  };
  const messages = useInfiniteQuery({
    queryKey: ['messages', query],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET('/v1/messages', { params: { query: { ...query, cursor: pageParam } } })) as Page<Message>,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    retry: false,
  });
  const items = messages.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = status.length || channel || kind || from || to;

  return (
    <Stack gap="md">
      <Title order={1} size="h2">Messages</Title>
      <Group gap="sm" align="flex-end" wrap="wrap" role="search" aria-label="Filter messages">
        <MultiSelect label="Status" placeholder={status.length ? undefined : 'Any'} data={options(MESSAGE_STATUSES)} value={status}
          onChange={(v) => update({ status: v.join(',') || null })} clearable w={220} />
        <Select label="Channel" placeholder="Any" data={options(CHANNELS)} value={channel || null} onChange={(v) => update({ channel: v })} clearable w={160} />
        <Select label="Kind" placeholder="Any" data={options(MESSAGE_KINDS)} value={kind || null} onChange={(v) => update({ kind: v })} clearable searchable w={260} />
        <TextInput label="From" type="date" value={from} onChange={(e) => update({ from: e.currentTarget.value || null })} w={160} />
        <TextInput label="To" type="date" value={to} onChange={(e) => update({ to: e.currentTarget.value || null })} w={160} />
        {filtered && <Button variant="subtle" onClick={() => setParams(new URLSearchParams(), { replace: true })}>Clear filters</Button>}
      </Group>
      <QueryState isPending={messages.isPending} error={messages.error} what="messages">
        <MessageTable messages={items} showReferral />
        {messages.hasNextPage && (
          <Group justify="center">
            <Button variant="default" onClick={() => messages.fetchNextPage()} loading={messages.isFetchingNextPage}>Show more</Button>
          </Group>
        )}
        {!messages.hasNextPage && items.length > 0 && <Text size="xs" c="dimmed">{items.length} message{items.length === 1 ? '' : 's'}.</Text>}
      </QueryState>
      <MessageDrawer />
    </Stack>
  );
}
