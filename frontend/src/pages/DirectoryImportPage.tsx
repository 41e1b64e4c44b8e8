import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Group, Paper, Progress, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { IconFileUpload } from '@tabler/icons-react';
import { authFetch, BASE_URL, ProblemError, api, unwrap } from '../api/client';
import type { ProviderImportDetail, ProviderImportJob } from '../api/contracts';
import { QueryState } from '../components/QueryState';
import { formatDateTime } from '../lib/format';

type ReportRow = ProviderImportDetail['report'][number];
interface RowError { row: number; column: string | null; problem: string }

const ACTION_COLOR: Record<string, string> = { created: 'teal', updated: 'blue', unchanged: 'gray', merged: 'grape', rejected: 'red' };
const STATUS_COLOR: Record<string, string> = { succeeded: 'teal', running: 'blue', rejected: 'red', failed: 'red' };

/** Sends the file as multipart form data (openapi-fetch does not build multipart bodies). */
async function upload(file: File): Promise<ProviderImportDetail> {
  const form = new FormData();
  form.append('file', file);
  const res = await authFetch(new Request(`${BASE_URL}/v1/imports/providers`, { method: 'POST', body: form }));
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ProblemError(res.status, body);
  return body as ProviderImportDetail;
}

const RECORD_LABEL: Record<string, string> = { individual: 'provider', organization: 'organization' };

export function ReportTable({ rows, label }: { rows: (ReportRow | (RowError & { action?: string; npi?: string | null }))[]; label: string }) {
  return (
    <ScrollArea>
      <Table striped verticalSpacing={4} miw={560} aria-label={label}>
        <Table.Thead>
          <Table.Tr><Table.Th>Row</Table.Th><Table.Th>NPI</Table.Th><Table.Th>Record</Table.Th><Table.Th>Column</Table.Th><Table.Th>Problem</Table.Th><Table.Th>Done</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r, i) => (
            <Table.Tr key={`${r.row}-${r.column ?? ''}-${i}`}>
              <Table.Td>{r.row}</Table.Td>
              <Table.Td>{r.npi ?? '—'}</Table.Td>
              <Table.Td>{'entity_type' in r && r.entity_type ? RECORD_LABEL[r.entity_type] ?? r.entity_type : '—'}</Table.Td>
              <Table.Td>{r.column ?? '—'}</Table.Td>
              <Table.Td>{r.problem ?? '—'}</Table.Td>
              <Table.Td><Badge variant="light" color={ACTION_COLOR[r.action ?? 'rejected']}>{r.action ?? 'rejected'}</Badge></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}

export function DirectoryImportPage() {
  const [file, setFile] = useState<File | null>(null);
  const client = useQueryClient();
  const jobs = useQuery({
    queryKey: ['provider-imports'],
    queryFn: async () => unwrap(await api.GET('/v1/imports/providers')) as ProviderImportJob[],
    retry: false,
  });
  const run = useMutation({
    mutationFn: upload,
    onSettled: () => client.invalidateQueries({ queryKey: ['provider-imports'] }),
  });
  const problem = run.error instanceof ProblemError ? run.error.problem as { detail?: string; row_errors?: RowError[] } : null;

  return (
    <Stack gap="md">
      <Title order={1} size="h2">Import providers</Title>
      <Text size="sm" c="dimmed">
        An NPPES-style CSV: one row per provider (entity type 1) or organization (entity type 2), matched by NPI;
        required columns npi, entity_type, first_name, last_name (left empty on organization rows, which need
        organization_name). All rows are imported or none. Every column is listed in{' '}
        <Anchor href="/docs#/imports/imports-import_providers" target="_blank" underline="always">the API reference</Anchor>.
      </Text>
      <Paper withBorder p="md" radius="md">
        <Group align="end" gap="sm">
          <Stack gap={4}>
            <Text component="label" htmlFor="directory-file" size="sm" fw={500}>CSV file</Text>
            {/* A native file input: every browser and assistive technology knows it. */}
            <input id="directory-file" type="file" accept=".csv,text/csv"
              onChange={(e) => { setFile(e.currentTarget.files?.[0] ?? null); run.reset(); }} />
          </Stack>
          <Button leftSection={<IconFileUpload size={16} aria-hidden />} disabled={!file} loading={run.isPending} onClick={() => file && run.mutate(file)}>
            Import
          </Button>
        </Group>
        {run.isPending && <Progress value={100} animated mt="md" aria-label="Import in progress" />}
      </Paper>
      {run.data && (
        <Paper withBorder p="md" radius="md" component="section" aria-label="Import report">
          <Alert color="teal" title="Imported" mb="sm">
            {Object.entries(run.data.counts).map(([action, n]) => `${n} ${action}`).join(', ')}
          </Alert>
          <ReportTable rows={run.data.report} label="Row report" />
          {run.data.report_total > run.data.report.length && (
            <Text size="xs" c="dimmed" mt="xs">First {run.data.report.length} of {run.data.report_total} rows shown.</Text>
          )}
        </Paper>
      )}
      {run.error && (
        <Paper withBorder p="md" radius="md" component="section" aria-label="Import report">
          <Alert color="red" title="Nothing was imported" mb="sm">{problem?.detail ?? run.error.message}</Alert>
          {problem?.row_errors && <ReportTable rows={problem.row_errors} label="Row report" />}
        </Paper>
      )}
      <Title order={2} size="h4">Recent imports</Title>
      <QueryState isPending={jobs.isPending} error={jobs.error} what="imports">
        <Table verticalSpacing={4} aria-label="Recent imports">
          <Table.Thead><Table.Tr><Table.Th>Started</Table.Th><Table.Th>File</Table.Th><Table.Th>By</Table.Th><Table.Th>Status</Table.Th><Table.Th>Outcome</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {(jobs.data ?? []).map((j) => (
              <Table.Tr key={j.id}>
                <Table.Td>{formatDateTime(j.created_at)}</Table.Td>
                <Table.Td>{j.filename ?? '—'}</Table.Td>
                <Table.Td>{j.imported_by}</Table.Td>
                <Table.Td><Badge variant="light" color={STATUS_COLOR[j.status] ?? 'gray'}>{j.status}</Badge></Table.Td>
                <Table.Td>{j.detail ?? '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </QueryState>
    </Stack>
  );
}
