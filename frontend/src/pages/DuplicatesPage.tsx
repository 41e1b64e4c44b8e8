// The provider-relations team's review queue: one likely duplicate pair at a time, side by side, merge or not.
import { useState } from 'react';
import { Alert, Anchor, Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useSearchParams } from 'react-router-dom';
import { useDismiss, useDuplicatePairs, useDuplicatesOf, useLastRefresh, useMerge, useRecentMerges, useRefreshQueue, useUndoMerge } from '../api/directory';
import { PairComparison, type Picks } from '../components/directory/PairComparison';
import { QueryState } from '../components/QueryState';
import { compareFields, mergeRequest, type Side } from '../lib/merge';
import { formatDate, formatDateTime } from '../lib/format';
import { canReviewDuplicates } from '../lib/roles';
import { useAuth } from '../auth/AuthContext';

export function DuplicatesPage() {
  const { me } = useAuth();
  // Intake may look up a provider's likely duplicates; merging is the provider-relations team's.
  const reviewer = canReviewDuplicates(me?.role);
  // From a provider's page: only that provider's likely duplicates.
  const [params] = useSearchParams();
  const focus = params.get('provider');
  const queue = useDuplicatePairs(20, !focus && reviewer);
  const ofProvider = useDuplicatesOf(focus);
  const pairs = focus ? ofProvider : queue;
  const merges = useRecentMerges(reviewer);
  const merge = useMerge();
  const dismiss = useDismiss();
  const undo = useUndoMerge();
  const lastRefresh = useLastRefresh(!focus && reviewer);
  const refresh = useRefreshQueue();
  const [index, setIndex] = useState(0);
  const [survivor, setSurvivor] = useState<Side>('first');
  const [picks, setPicks] = useState<Picks>({});
  const [done, setDone] = useState<string | null>(null);
  const items = pairs.data?.items ?? [];
  const pair = items[Math.min(index, Math.max(items.length - 1, 0))];
  const reset = (message: string) => { setPicks({}); setSurvivor('first'); setDone(message); };
  const failure = merge.error ?? dismiss.error ?? undo.error ?? refresh.error;

  return (
    <Stack gap="md">
      <Anchor component={Link} to="/providers" size="sm">← Provider directory</Anchor>
      <Title order={1} size="h2">Duplicate providers</Title>
      {!focus && reviewer && <Group gap="sm">
        <Text size="sm" c="dimmed" aria-live="polite">
          {lastRefresh.data ? `Last refreshed ${formatDateTime(lastRefresh.data.finished_at)}` : lastRefresh.isPending ? '' : 'Not refreshed yet'}
          {' '}· the queue updates every few minutes
        </Text>
        <Button size="xs" variant="default" loading={refresh.isPending}
          onClick={() => refresh.mutate(undefined, { onSuccess: () => { setIndex(0); setDone('Refreshed: pairs of records changed since the last refresh were scored again.'); } })}>Refresh</Button>
      </Group>}
      {focus && reviewer && <Anchor component={Link} to="/providers/duplicates" size="sm">Show the whole review queue</Anchor>}
      {done && <Alert color="teal" role="status" withCloseButton onClose={() => setDone(null)}>{done}</Alert>}
      {failure && <Alert color="red" role="alert">{failure.message}</Alert>}
      <QueryState isPending={pairs.isPending} error={pairs.error} what="duplicate review queue">
        {!pair ? <Text c="dimmed">No likely duplicates to review.</Text> : (
          <Paper withBorder p="md" radius="md" component="section" aria-label="Pair under review">
            <Group justify="space-between" mb="sm">
              <Text size="sm" c="dimmed">Pair {Math.min(index, items.length - 1) + 1} of {items.length}{pairs.data?.next_cursor ? '+' : ''}, highest score first</Text>
              <Group gap="xs">
                <Button variant="default" size="xs" disabled={index === 0} onClick={() => { setIndex(index - 1); setPicks({}); }}>Previous</Button>
                <Button variant="default" size="xs" disabled={index >= items.length - 1} onClick={() => { setIndex(index + 1); setPicks({}); }}>Next</Button>
              </Group>
            </Group>
            <PairComparison pair={pair} survivor={survivor} picks={picks} onSurvivor={(s) => { setSurvivor(s); setPicks({}); }}
              onPick={(field, pick) => setPicks({ ...picks, [field]: pick })} readOnly={!reviewer} />
            {reviewer && <Group mt="md">
              <Button loading={merge.isPending} onClick={() => merge.mutate(
                mergeRequest(pair.first, pair.second, survivor, picks, compareFields(pair.first, pair.second)),
                { onSuccess: () => reset('Merged. You can undo it below for 30 days.') },
              )}>Merge</Button>
              <Button variant="default" loading={dismiss.isPending} onClick={() => dismiss.mutate(
                [pair.first.id, pair.second.id], { onSuccess: () => reset('Marked as not a duplicate; this pair will not be proposed again.') },
              )}>Not a duplicate</Button>
            </Group>}
          </Paper>
        )}
      </QueryState>
      {reviewer && <Paper withBorder p="md" radius="md" component="section" aria-labelledby="merges-heading">
        <Title order={2} size="h4" id="merges-heading" mb="sm">Recent merges</Title>
        <QueryState isPending={merges.isPending} error={merges.error} what="recent merges">
          {(merges.data ?? []).length === 0 ? <Text size="sm" c="dimmed">No merges to undo.</Text> : (
            <Table aria-label="Recent merges" verticalSpacing={4}>
              <Table.Thead><Table.Tr><Table.Th>Merged</Table.Th><Table.Th>Into</Table.Th><Table.Th>When</Table.Th><Table.Th>Undo until</Table.Th><Table.Th /></Table.Tr></Table.Thead>
              <Table.Tbody>
                {(merges.data ?? []).map((m) => {
                  const open = new Date(m.undo_until).getTime() > Date.now();
                  return (
                    <Table.Tr key={m.id}>
                      <Table.Td>{m.merged_name}</Table.Td>
                      <Table.Td><Anchor component={Link} to={`/providers/${m.survivor_id}`}>{m.survivor_name}</Anchor></Table.Td>
                      <Table.Td>{formatDateTime(m.merged_at)} · {m.merged_by}</Table.Td>
                      <Table.Td>{formatDate(m.undo_until)}</Table.Td>
                      <Table.Td>
                        <Button size="xs" variant="light" disabled={!open} loading={undo.isPending && undo.variables === m.id}
                          aria-label={`Undo merge of ${m.merged_name}`}
                          onClick={() => undo.mutate(m.id, { onSuccess: () => setDone(`${m.merged_name} is back as a separate record.`) })}>Undo</Button>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          )}
        </QueryState>
      </Paper>}
    </Stack>
  );
}
