import { useState, type FormEvent } from 'react';
import { Alert, Button, Code, Group, Paper, ScrollArea, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconDownload, IconFilter } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router-dom';
import { api, authFetch, unwrap } from '../../api/client';
import type { AuditEvent, Page, UserSummary } from '../../api/contracts';
import { QueryState } from '../../components/QueryState';
import { formatDateTime } from '../../lib/format';
import { problemText } from './shared';

const TEXT_FILTERS = [
  { key: 'actor', label: 'Actor', placeholder: 'user:<id>, partner:<key id>' },
  { key: 'action', label: 'Action', placeholder: 'e.g. user.update' },
  { key: 'entity_type', label: 'Entity type', placeholder: 'e.g. referral' },
  { key: 'entity_id', label: 'Entity id', placeholder: '' },
] as const;
const PAGE = 50;

/** The URL's filters as the API's query: dates become the start of that day (local), `to` is exclusive. */
function apiQuery(params: URLSearchParams): Record<string, string> {
  const query: Record<string, string> = {};
  for (const { key } of TEXT_FILTERS) {
    const value = params.get(key)?.trim();
    if (value) query[key] = value;
  }
  const from = params.get('from');
  const to = params.get('to');
  if (from) query.from = new Date(`${from}T00:00:00`).toISOString();
  if (to) query.to = new Date(new Date(`${to}T00:00:00`).getTime() + 86_400_000).toISOString();
  return query;
}

export function AuditSection() {
  const [params, setParams] = useSearchParams();
  const [draft, setDraft] = useState<Record<string, string>>(() => Object.fromEntries(params.entries()));
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [exportError, setExportError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const query = apiQuery(params);
  const cursor = cursors[cursors.length - 1];
  const users = useQuery({
    queryKey: ['admin', 'users'],
    queryFn: async () => unwrap(await api.GET('/v1/users', { params: { query: { limit: 200 } } })) as Page<UserSummary>,
    staleTime: 60_000,
  });
  const events = useQuery({
    queryKey: ['admin', 'audit', query, cursor],
    queryFn: async () => unwrap(await api.GET('/v1/audit-events', { params: { query: { ...query, limit: PAGE, cursor } } })) as Page<AuditEvent>,
  });

  function apply(event: FormEvent) {
    event.preventDefault();
    const next = new URLSearchParams();
    Object.entries(draft).forEach(([k, v]) => { if (v.trim()) next.set(k, v.trim()); });
    setParams(next);
    setCursors([undefined]);
  }

  async function exportCsv() {
    setExporting(true);
    setExportError(null);
    try {
      const url = new URL('/v1/audit-events/export', window.location.origin);
      Object.entries(query).forEach(([k, v]) => url.searchParams.set(k, v));
      const res = await authFetch(new Request(url));
      if (!res.ok) throw new Error(((await res.json().catch(() => ({}))) as { detail?: string }).detail ?? `Export failed (${res.status})`);
      const name = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? 'refloop-audit.csv';
      const link = document.createElement('a');
      link.href = URL.createObjectURL(await res.blob());
      link.download = name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (err) {
      setExportError(err instanceof Error ? err.message : problemText(err));
    } finally {
      setExporting(false);
    }
  }

  const items = events.data?.items ?? [];
  // Staff actors by name as well as by id; partners and EHRs keep their ids.
  const names = new Map((users.data?.items ?? []).map((u) => [`user:${u.id}`, u.full_name]));
  return (
    <Stack gap="sm">
      <form onSubmit={apply} role="search" aria-label="Filter the audit log">
        <Group gap="sm" align="flex-end" wrap="wrap">
          {TEXT_FILTERS.map((f) => (
            <TextInput key={f.key} label={f.label} placeholder={f.placeholder} w={190} value={draft[f.key] ?? ''}
              onChange={(e) => { const v = e.currentTarget.value; setDraft((d) => ({ ...d, [f.key]: v })); }} />
          ))}
          <TextInput label="From" type="date" w={160} value={draft.from ?? ''} onChange={(e) => { const v = e.currentTarget.value; setDraft((d) => ({ ...d, from: v })); }} />
          <TextInput label="To" type="date" w={160} value={draft.to ?? ''} onChange={(e) => { const v = e.currentTarget.value; setDraft((d) => ({ ...d, to: v })); }} />
          <Button type="submit" leftSection={<IconFilter size={16} aria-hidden />}>Apply filters</Button>
          <Button variant="default" leftSection={<IconDownload size={16} aria-hidden />} onClick={exportCsv} loading={exporting}>Export CSV</Button>
        </Group>
      </form>
      {exportError && <Alert color="red" role="alert">{exportError}</Alert>}
      <QueryState isPending={events.isPending} error={events.error} what="audit log">
        <Paper withBorder radius="md">
          <ScrollArea>
            <Table verticalSpacing={4} miw={740} fz="sm">
              <Table.Caption>Newest first. Page {cursors.length}.</Table.Caption>
              <Table.Thead>
                <Table.Tr><Table.Th>When</Table.Th><Table.Th>Actor</Table.Th><Table.Th>Action</Table.Th><Table.Th>Entity</Table.Th>
                  <Table.Th>Outcome</Table.Th><Table.Th>Detail</Table.Th></Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(e.at)}</Table.Td>
                    <Table.Td>
                      {names.get(e.actor) && <Text size="sm">{names.get(e.actor)}</Text>}
                      <Text size="xs" ff="monospace" c={names.get(e.actor) ? 'dimmed' : undefined} style={{ wordBreak: 'break-all' }}>{e.actor}</Text>
                    </Table.Td>
                    <Table.Td>{e.action}</Table.Td>
                    <Table.Td><Text size="xs">{e.entity_type}{e.entity_id ? ` ${e.entity_id}` : ''}</Text></Table.Td>
                    <Table.Td><Text size="sm" fw={500} c={e.outcome === 'success' ? 'teal.9' : 'red.8'}>{e.outcome}{e.status ? ` ${e.status}` : ''}</Text></Table.Td>
                    <Table.Td maw={240}><Code fz="xs" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>{JSON.stringify(e.detail).slice(0, 160)}</Code></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
          {items.length === 0 && <Text p="md" c="dimmed" size="sm">No events match these filters.</Text>}
        </Paper>
      </QueryState>
      <Group justify="flex-end">
        <Button variant="default" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>Newer</Button>
        <Button variant="default" disabled={!events.data?.next_cursor}
          onClick={() => setCursors((c) => [...c, events.data?.next_cursor ?? undefined])}>Older</Button>
      </Group>
    </Stack>
  );
}
