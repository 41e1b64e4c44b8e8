import { useState } from 'react';
import { Alert, Button, Checkbox, Group, Modal, Paper, ScrollArea, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconKey } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { ApiKey, ApiKeyCreated, Page } from '../../api/contracts';
import { QueryState } from '../../components/QueryState';
import { formatDateTime } from '../../lib/format';
import { OneTimeSecret, organizationName, problemText, useOrganizations } from './shared';

const SCOPES = ['referrals:read', 'referrals:write', 'catalog:read'];

export function ApiKeysSection() {
  const queryClient = useQueryClient();
  const orgs = useOrganizations();
  const keys = useQuery({
    queryKey: ['admin', 'api-keys'],
    queryFn: async () => unwrap(await api.GET('/v1/api-keys', { params: { query: { limit: 200 } } })) as Page<ApiKey>,
  });
  const [creating, setCreating] = useState(false);
  const [revealed, setRevealed] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<ApiKey | null>(null);
  const [error, setError] = useState<string | null>(null);
  const revoke = useMutation({
    mutationFn: async (id: string) => unwrap(await api.POST('/v1/api-keys/{key_id}/revoke', { params: { path: { key_id: id } } })),
    onSuccess: () => { setConfirm(null); setError(null); queryClient.invalidateQueries({ queryKey: ['admin', 'api-keys'] }); },
    onError: (err) => setError(problemText(err)),
  });
  // Newest first: the key just made is at the top.
  const items = [...(keys.data?.items ?? [])].reverse();

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text c="dimmed" size="sm">Partner portals call the API with these keys, for their own organisation only.</Text>
        <Button leftSection={<IconKey size={16} aria-hidden />} onClick={() => setCreating(true)}>Create API key</Button>
      </Group>
      {error && <Alert color="red" role="alert">{error}</Alert>}
      <QueryState isPending={keys.isPending} error={keys.error} what="API keys">
        <Paper withBorder radius="md">
          <ScrollArea>
            <Table verticalSpacing="xs" miw={720}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th><Table.Th>Key starts</Table.Th><Table.Th>Organization</Table.Th><Table.Th>Scopes</Table.Th>
                  <Table.Th>Created</Table.Th><Table.Th>Last used</Table.Th><Table.Th>Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((k) => (
                  <Table.Tr key={k.id} data-key-name={k.name}>
                    <Table.Td>{k.name}</Table.Td>
                    <Table.Td><Text ff="monospace" size="sm">rfk_{k.prefix}_…</Text></Table.Td>
                    <Table.Td>{organizationName(orgs.data?.items, k.organization_id)}</Table.Td>
                    <Table.Td><Text size="xs">{k.scopes.join(', ')}</Text></Table.Td>
                    <Table.Td>{formatDateTime(k.created_at)}</Table.Td>
                    <Table.Td>{k.last_used_at ? formatDateTime(k.last_used_at) : 'Never'}</Table.Td>
                    <Table.Td>
                      {k.revoked_at
                        ? <Stack gap={0}><Text size="sm" fw={600} c="gray.7">Revoked</Text><Text size="xs" c="dimmed">{formatDateTime(k.revoked_at)}</Text></Stack>
                        : <Button size="compact-sm" color="red" variant="light" onClick={() => setConfirm(k)} aria-label={`Revoke ${k.name}`}>Revoke</Button>}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
          {items.length === 0 && <Text p="md" c="dimmed" size="sm">No API keys yet.</Text>}
        </Paper>
      </QueryState>
      {creating && (
        <CreateKeyDialog onClose={() => setCreating(false)}
          onCreated={(key) => { setCreating(false); setRevealed(key.key); queryClient.invalidateQueries({ queryKey: ['admin', 'api-keys'] }); }} />
      )}
      <Modal opened={!!confirm} onClose={() => setConfirm(null)} title="Revoke API key">
        <Stack>
          <Text size="sm">“{confirm?.name}” stops working at once. This cannot be undone; the partner needs a new key.</Text>
          <Group justify="flex-end"><Button variant="default" onClick={() => setConfirm(null)}>Cancel</Button>
            <Button color="red" loading={revoke.isPending} onClick={() => confirm && revoke.mutate(confirm.id)}>Revoke key</Button></Group>
        </Stack>
      </Modal>
      <OneTimeSecret title="New API key" secret={revealed} note="Copy the key into the partner's portal now: Refloop keeps only a hash of it." onClose={() => setRevealed(null)} />
    </Stack>
  );
}

function CreateKeyDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (key: ApiKeyCreated) => void }) {
  const orgs = useOrganizations();
  const [organization, setOrganization] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(SCOPES);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit() {
    setBusy(true);
    try {
      onCreated(unwrap(await api.POST('/v1/api-keys', { body: { organization_id: organization!, name, scopes } })) as ApiKeyCreated);
    } catch (err) {
      setError(problemText(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal opened onClose={onClose} title="Create API key">
      <Stack>
        {error && <Alert color="red" role="alert">{error}</Alert>}
        <Select label="Organization" searchable required data={(orgs.data?.items ?? []).map((o) => ({ value: o.id, label: o.name }))}
          value={organization} onChange={setOrganization} nothingFoundMessage="No organization by that name" />
        <TextInput label="Name" required placeholder="e.g. Riverside portal" value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <Checkbox.Group label="Scopes" value={scopes} onChange={setScopes}>
          <Group mt={4}>{SCOPES.map((s) => <Checkbox key={s} value={s} label={s} />)}</Group>
        </Checkbox.Group>
        <Group justify="flex-end"><Button variant="default" onClick={onClose}>Cancel</Button>
          <Button onClick={submit} loading={busy} disabled={!organization || !name.trim()}>Create key</Button></Group>
      </Stack>
    </Modal>
  );
}
