import { Anchor, Badge, Button, Group, Paper, ScrollArea, SegmentedControl, Stack, Table, Text, Title, UnstyledButton } from '@mantine/core';
import { api, unwrap } from '../api/client';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { IconPlus } from '@tabler/icons-react';
import { listReferrals, type ReferralQuery } from '../api/referrals';
import type { ReferralStatus } from '../api/contracts';
import { useAuth } from '../auth/AuthContext';
import { PipelineFilters } from '../components/PipelineFilters';
import { QueryState } from '../components/QueryState';
import { ReferralCard } from '../components/ReferralCard';
import { StatusBadge, UrgencyBadge } from '../components/StatusBadge';
import { filtersFromParams, filtersToParams, filtersToQuery, type PipelineFilters as Filters } from '../lib/filters';
import { formatDateTime, initials } from '../lib/format';
import { STATUSES, STATUS_LABEL, humanize } from '../lib/lifecycle';
import { isOverdue } from '../lib/overdue';
import { canSee } from '../lib/roles';

// Cards shown per column; the count above them is the true total from /v1/referral-counts.
const COLUMN_LIMIT = 25;

type SortKey = NonNullable<Parameters<typeof listReferrals>[0]['sort']>;

function BoardColumn({ status, query, total }: { status: ReferralStatus; query: ReferralQuery; total: number | undefined }) {
  const result = useQuery({
    queryKey: ['referrals', 'column', status, query],
    queryFn: () => listReferrals({ ...query, status: [status], limit: COLUMN_LIMIT }),
  });
  const items = result.data?.items ?? [];
  const count = total === undefined ? '…' : total.toLocaleString();
  const overdue = items.filter((r) => isOverdue(r)).length;
  const hidden = total !== undefined ? total - items.length : 0;
  const headingId = `col-${status}`;
  return (
    <section className="board-column" aria-labelledby={headingId}>
      <Group justify="space-between" px={4} gap={4} wrap="nowrap" mih={22}>
        <Text fw={600} size="sm" id={headingId} style={{ whiteSpace: 'nowrap' }}>
          {STATUS_LABEL[status]} <Text span c="dimmed" size="sm">({count})</Text>
        </Text>
        {overdue > 0 && <Badge color="red" size="xs" variant="light" style={{ flexShrink: 0 }}>{overdue} overdue</Badge>}
      </Group>
      <QueryState isPending={result.isPending} error={result.error} what="referrals">
        {items.length === 0 && <Text size="xs" c="dimmed" px={4}>None</Text>}
        {items.map((r) => <ReferralCard key={r.id} referral={r} />)}
        {hidden > 0 && (
          <Anchor component={Link} size="xs" px={4} to={`/referrals?view=table&status=${status}`}>
            {hidden.toLocaleString()} more in the table
          </Anchor>
        )}
      </QueryState>
    </section>
  );
}

const SORTABLE: Record<string, string> = { received_at: 'Received', service_line: 'Service line', status: 'Status' };

/** A column header that sorts the table server-side; aria-sort says which way. */
function SortHeader({ column, sort, onSort }: { column: string; sort: SortKey; onSort: (s: SortKey) => void }) {
  const active = sort.replace('-', '') === column;
  const descending = sort.startsWith('-');
  const next = (active && !descending ? `-${column}` : column) as SortKey;
  return (
    <Table.Th aria-sort={active ? (descending ? 'descending' : 'ascending') : 'none'}>
      <UnstyledButton onClick={() => onSort(next)} fw={600} fz="sm">
        {SORTABLE[column]} {active ? (descending ? '↓' : '↑') : ''}
      </UnstyledButton>
    </Table.Th>
  );
}

function ReferralTable({ query, sort, onSort }: { query: ReferralQuery; sort: SortKey; onSort: (s: SortKey) => void }) {
  const navigate = useNavigate();
  const result = useInfiniteQuery({
    queryKey: ['referrals', 'table', query, sort],
    queryFn: ({ pageParam }) => listReferrals({ ...query, sort, limit: 50, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows = result.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <QueryState isPending={result.isPending} error={result.error} what="referrals">
      <Paper withBorder radius="md">
        <ScrollArea>
          <Table highlightOnHover striped verticalSpacing="xs" miw={760}>
            <Table.Caption>{rows.length}{result.hasNextPage ? '+' : ''} referrals</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <SortHeader column="received_at" sort={sort} onSort={onSort} />
                <Table.Th>Patient</Table.Th>
                <SortHeader column="service_line" sort={sort} onSort={onSort} />
                <Table.Th>Urgency</Table.Th>
                <SortHeader column="status" sort={sort} onSort={onSort} />
                <Table.Th>Source</Table.Th>
                <Table.Th>Queue</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => {
                const overdue = isOverdue(r);
                return (
                  <Table.Tr key={r.id} className={overdue ? 'overdue' : undefined} onClick={() => navigate(`/referrals/${r.id}`)} style={{ cursor: 'pointer' }}>
                    <Table.Td>
                      <Link to={`/referrals/${r.id}`}>{formatDateTime(r.received_at)}</Link>
                      {overdue && <Badge color="red" size="xs" ml={6}>Overdue</Badge>}
                      {r.possible_duplicate && <Badge color="orange" size="xs" ml={6} title={r.duplicate_reason ?? undefined}>Possible duplicate</Badge>}
                    </Table.Td>
                    <Table.Td>{initials(r.patient.given_name, r.patient.family_name)}</Table.Td>
                    <Table.Td>{humanize(r.service_line)}</Table.Td>
                    <Table.Td><UrgencyBadge urgency={r.urgency} /></Table.Td>
                    <Table.Td><StatusBadge status={r.status} /></Table.Td>
                    <Table.Td>{humanize(r.referral_source)}</Table.Td>
                    <Table.Td>{r.queue ?? '—'}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      </Paper>
      {result.hasNextPage && (
        <Button variant="light" mt="sm" loading={result.isFetchingNextPage} onClick={() => result.fetchNextPage()}>
          Load more
        </Button>
      )}
    </QueryState>
  );
}

export function PipelinePage() {
  const [params, setParams] = useSearchParams();
  const { me } = useAuth();
  const filters = filtersFromParams(params);
  const view = params.get('view') === 'table' ? 'table' : 'board';
  const query = filtersToQuery(filters, me?.id);
  const setFilters = (next: Filters) => setParams(filtersToParams(next, params));
  const setView = (next: string) => {
    const p = new URLSearchParams(params);
    if (next === 'table') p.set('view', 'table'); else p.delete('view');
    setParams(p);
  };
  const columns = filters.status.length ? STATUSES.filter((s) => filters.status.includes(s)) : STATUSES;
  const boardQuery = { ...query, status: undefined };
  const sort = (params.get('sort') ?? '-received_at') as SortKey;
  const setSort = (next: SortKey) => {
    const p = new URLSearchParams(params);
    if (next === '-received_at') p.delete('sort'); else p.set('sort', next);
    setParams(p);
  };
  // Every column's count in one call, under the same filters as the cards.
  const counts = useQuery({
    queryKey: ['referrals', 'counts', boardQuery],
    queryFn: async () => unwrap(await api.GET('/v1/referral-counts', { params: { query: boardQuery } })),
    enabled: view === 'board',
  });

  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <Title order={1} size="h2">Referrals</Title>
        <Group gap="sm">
          <SegmentedControl
            aria-label="View"
            value={view}
            onChange={setView}
            data={[{ value: 'board', label: 'Board' }, { value: 'table', label: 'Table' }]}
          />
          {canSee(me?.role, 'new-referral') && (
            <Button component={Link} to="/referrals/new" leftSection={<IconPlus size={16} aria-hidden />}>New referral</Button>
          )}
        </Group>
      </Group>
      <PipelineFilters value={filters} onChange={setFilters} meId={me?.id} />
      <Text size="xs" c="dimmed">
        Overdue: first contact is past the due time the SLA policy sets for the referral's urgency (business hours; the clock
        pauses while information is requested).
      </Text>
      {view === 'board' ? (
        <div className="board" role="region" aria-label="Referral board" tabIndex={0}>
          {columns.map((s) => <BoardColumn key={s} status={s} query={boardQuery} total={counts.data?.counts[s]} />)}
        </div>
      ) : (
        <ReferralTable query={query} sort={sort} onSort={setSort} />
      )}
    </Stack>
  );
}
