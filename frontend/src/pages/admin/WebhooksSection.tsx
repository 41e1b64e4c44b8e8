import { useState } from 'react';
import { Alert, Badge, Button, Group, Modal, MultiSelect, Paper, ScrollArea, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconWebhook } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { MessageKind, Page, WebhookDelivery, WebhookEndpoint } from '../../api/contracts';
import { QueryState } from '../../components/QueryState';
import { formatDateTime } from '../../lib/format';
import { humanize } from '../../lib/lifecycle';
import { OneTimeSecret, StatusText, organizationName, problemText, useOrganizations } from './shared';

const KINDS: MessageKind[] = ['acknowledgement', 'status_accepted', 'status_needs_info', 'status_scheduled', 'status_declined',
  'reminder', 'no_show', 'loop_closure', 'thank_you', 'check_in', 'digest'];

export function WebhooksSection() {
  const queryClient = useQueryClient();
  const orgs = useOrganizations();
  const endpoints = useQuery({
    queryKey: ['admin', 'webhooks'],
    queryFn: async () => unwrap(await api.GET('/v1/webhook-endpoints', { params: { query: { limit: 200 } } })) as Page<WebhookEndpoint>,
  });
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [rotating, setRotating] = useState<WebhookEndpoint | null>(null);
  const [log, setLog] = useState<WebhookEndpoint | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['admin', 'webhooks'] });
  const toggle = useMutation({
    mutationFn: async (e: WebhookEndpoint) =>
      unwrap(await api.PATCH('/v1/webhook-endpoints/{endpoint_id}', { params: { path: { endpoint_id: e.id } }, body: { active: !e.active } })),
    onSuccess: () => { setError(null); refresh(); },
    onError: (err) => setError(problemText(err)),
  });
  const rotate = useMutation({
    mutationFn: async (e: WebhookEndpoint) =>
      unwrap(await api.POST('/v1/webhook-endpoints/{endpoint_id}/rotate-secret', { params: { path: { endpoint_id: e.id } } })),
    onSuccess: (created) => { setRotating(null); setSecret(created.secret); },
    onError: (err) => setError(problemText(err)),
  });
  const items = endpoints.data?.items ?? [];
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text c="dimmed" size="sm">Partners' receivers for signed status events (Standard Webhooks). No patient data is sent.</Text>
        <Button leftSection={<IconWebhook size={16} aria-hidden />} onClick={() => setCreating(true)}>Add endpoint</Button>
      </Group>
      {error && <Alert color="red" role="alert">{error}</Alert>}
      <QueryState isPending={endpoints.isPending} error={endpoints.error} what="webhook endpoints">
        <Paper withBorder radius="md">
          <ScrollArea>
            <Table verticalSpacing="xs" miw={740}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>URL</Table.Th><Table.Th>Organization</Table.Th><Table.Th>Events</Table.Th><Table.Th>Created</Table.Th>
                  <Table.Th>Status</Table.Th><Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((e) => (
                  <Table.Tr key={e.id} data-url={e.url}>
                    <Table.Td><Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}>{e.url}</Text></Table.Td>
                    <Table.Td>{organizationName(orgs.data?.items, e.organization_id)}</Table.Td>
                    <Table.Td><Text size="xs">{e.kinds.length ? e.kinds.map(humanize).join(', ') : 'All'}</Text></Table.Td>
                    <Table.Td>{formatDateTime(e.created_at)}</Table.Td>
                    <Table.Td><StatusText ok={e.active} yes="Active" no="Disabled" /></Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="wrap" maw={190}>
                        <Button size="compact-xs" variant="light" color={e.active ? 'red' : undefined} onClick={() => toggle.mutate(e)}
                          aria-label={`${e.active ? 'Disable' : 'Enable'} ${e.url}`}>{e.active ? 'Disable' : 'Enable'}</Button>
                        <Button size="compact-xs" variant="light" onClick={() => setRotating(e)} aria-label={`Rotate secret of ${e.url}`}>Rotate secret</Button>
                        <Button size="compact-xs" variant="subtle" onClick={() => setLog(e)} aria-label={`Deliveries to ${e.url}`}>Deliveries</Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
          {items.length === 0 && <Text p="md" c="dimmed" size="sm">No webhook endpoints.</Text>}
        </Paper>
      </QueryState>
      {creating && <CreateEndpointDialog onClose={() => setCreating(false)}
        onCreated={(s) => { setCreating(false); setSecret(s); refresh(); }} />}
      <Modal opened={!!rotating} onClose={() => setRotating(null)} title="Rotate signing secret">
        <Stack>
          <Text size="sm">A new secret signs every delivery from now on; the old one stops at once. The partner must switch to the new secret to keep verifying.</Text>
          <Group justify="flex-end"><Button variant="default" onClick={() => setRotating(null)}>Cancel</Button>
            <Button loading={rotate.isPending} onClick={() => rotating && rotate.mutate(rotating)}>Rotate now</Button></Group>
        </Stack>
      </Modal>
      <OneTimeSecret title="Signing secret" secret={secret} note="Give the partner this secret: their receiver checks each webhook-signature with it." onClose={() => setSecret(null)} />
      {log && <DeliveryLog endpoint={log} onClose={() => setLog(null)} />}
    </Stack>
  );
}

function CreateEndpointDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (secret: string) => void }) {
  const orgs = useOrganizations();
  const [organization, setOrganization] = useState<string | null>(null);
  const [url, setUrl] = useState('https://');
  const [kinds, setKinds] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit() {
    setBusy(true);
    try {
      const created = unwrap(await api.POST('/v1/webhook-endpoints', { body: { organization_id: organization!, url, kinds: kinds as MessageKind[] } }));
      onCreated(created.secret);
    } catch (err) {
      setError(problemText(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal opened onClose={onClose} title="Add webhook endpoint">
      <Stack>
        {error && <Alert color="red" role="alert">{error}</Alert>}
        <Select label="Organization" searchable required value={organization} onChange={setOrganization}
          data={(orgs.data?.items ?? []).map((o) => ({ value: o.id, label: o.name }))} />
        <TextInput label="URL" required value={url} onChange={(e) => setUrl(e.currentTarget.value)} />
        <MultiSelect label="Events" description="None chosen: every event." data={KINDS.map((k) => ({ value: k, label: humanize(k) }))}
          value={kinds} onChange={setKinds} clearable />
        <Group justify="flex-end"><Button variant="default" onClick={onClose}>Cancel</Button>
          <Button onClick={submit} loading={busy} disabled={!organization || url.length < 10}>Add endpoint</Button></Group>
      </Stack>
    </Modal>
  );
}

function DeliveryLog({ endpoint, onClose }: { endpoint: WebhookEndpoint; onClose: () => void }) {
  const deliveries = useQuery({
    queryKey: ['admin', 'webhooks', endpoint.id, 'deliveries'],
    queryFn: async () => unwrap(await api.GET('/v1/webhook-endpoints/{endpoint_id}/deliveries', {
      params: { path: { endpoint_id: endpoint.id }, query: { limit: 100 } },
    })) as Page<WebhookDelivery>,
  });
  const items = deliveries.data?.items ?? [];
  return (
    <Modal opened onClose={onClose} title={`Deliveries to ${endpoint.url}`} size="xl">
      <QueryState isPending={deliveries.isPending} error={deliveries.error} what="deliveries">
        <ScrollArea>
          <Table verticalSpacing="xs" miw={720}>
            <Table.Thead>
              <Table.Tr><Table.Th>Queued</Table.Th><Table.Th>Event</Table.Th><Table.Th>Status</Table.Th><Table.Th>Attempts</Table.Th>
                <Table.Th>Response</Table.Th><Table.Th>Last error</Table.Th><Table.Th>Sent</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((d) => (
                <Table.Tr key={d.id}>
                  <Table.Td>{formatDateTime(d.created_at)}</Table.Td>
                  <Table.Td>{humanize(d.kind)}</Table.Td>
                  <Table.Td><Badge variant="light" color={{ sent: 'teal', failed: 'red', queued: 'blue', suppressed: 'gray' }[d.status]}>{d.status}</Badge></Table.Td>
                  <Table.Td>{d.attempts} of {d.max_attempts}</Table.Td>
                  <Table.Td>{d.response_code ?? (d.status === 'sent' ? '2xx' : '—')}</Table.Td>
                  <Table.Td><Text size="xs">{d.last_error ?? '—'}</Text></Table.Td>
                  <Table.Td>{formatDateTime(d.sent_at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
        {items.length === 0 && <Text c="dimmed" size="sm">Nothing sent to this endpoint yet.</Text>}
      </QueryState>
    </Modal>
  );
}
