import { useState } from 'react';
import { Alert, Button, Group, Modal, Paper, ScrollArea, SegmentedControl, Select, Stack, Table, TagsInput, Text, Textarea, TextInput } from '@mantine/core';
import { IconPlugConnected } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { EhrClient, Page } from '../../api/contracts';
import { QueryState } from '../../components/QueryState';
import { formatDateTime } from '../../lib/format';
import { StatusText, organizationName, problemText, useOrganizations } from './shared';

const SUGGESTED_SCOPES = ['system/ServiceRequest.write', 'system/ServiceRequest.read', 'system/Task.read', 'system/Task.write',
  'system/Appointment.read', 'system/Patient.read', 'system/Practitioner.read', 'system/Organization.read'];

export function EhrClientsSection() {
  const queryClient = useQueryClient();
  const orgs = useOrganizations();
  const clients = useQuery({
    queryKey: ['admin', 'ehr-clients'],
    queryFn: async () => unwrap(await api.GET('/v1/ehr-clients', { params: { query: { limit: 200 } } })) as Page<EhrClient>,
  });
  const [registering, setRegistering] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const toggle = useMutation({
    mutationFn: async (c: EhrClient) =>
      unwrap(await api.PATCH('/v1/ehr-clients/{client_row_id}', { params: { path: { client_row_id: c.id } }, body: { active: !c.active } })),
    onSuccess: () => { setError(null); queryClient.invalidateQueries({ queryKey: ['admin', 'ehr-clients'] }); },
    onError: (err) => setError(problemText(err)),
  });
  const items = clients.data?.items ?? [];
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text c="dimmed" size="sm">EHR systems that push referrals over FHIR (SMART Backend Services: they sign in with their own key).</Text>
        <Button leftSection={<IconPlugConnected size={16} aria-hidden />} onClick={() => setRegistering(true)}>Register EHR client</Button>
      </Group>
      {error && <Alert color="red" role="alert">{error}</Alert>}
      <QueryState isPending={clients.isPending} error={clients.error} what="EHR clients">
        <Paper withBorder radius="md">
          <ScrollArea>
            <Table verticalSpacing="xs" miw={740}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th><Table.Th>Client id</Table.Th><Table.Th>Organization</Table.Th><Table.Th>Scopes</Table.Th>
                  <Table.Th>Keys</Table.Th><Table.Th>Registered</Table.Th><Table.Th>Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((c) => (
                  <Table.Tr key={c.id}>
                    <Table.Td>{c.name}</Table.Td>
                    <Table.Td><Text ff="monospace" size="sm">{c.client_id}</Text></Table.Td>
                    <Table.Td>{organizationName(orgs.data?.items, c.organization_id)}</Table.Td>
                    <Table.Td><Text size="xs">{c.scopes.join(' ')}</Text></Table.Td>
                    <Table.Td>{((c.jwks as { keys?: unknown[] }).keys ?? []).length}</Table.Td>
                    <Table.Td>{formatDateTime(c.created_at)}</Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="wrap">
                        <StatusText ok={c.active} yes="Active" no="Disabled" />
                        <Button size="compact-xs" variant="subtle" color={c.active ? 'red' : undefined} onClick={() => toggle.mutate(c)}
                          aria-label={`${c.active ? 'Disable' : 'Enable'} ${c.name}`}>{c.active ? 'Disable' : 'Enable'}</Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
          {items.length === 0 && <Text p="md" c="dimmed" size="sm">No EHR clients registered.</Text>}
        </Paper>
      </QueryState>
      {registering && <RegisterDialog onClose={() => setRegistering(false)}
        onDone={() => { setRegistering(false); queryClient.invalidateQueries({ queryKey: ['admin', 'ehr-clients'] }); }} />}
    </Stack>
  );
}

function RegisterDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const orgs = useOrganizations();
  const [name, setName] = useState('');
  const [clientId, setClientId] = useState('');
  const [keyKind, setKeyKind] = useState<'pem' | 'jwks' | 'url'>('pem');
  const [key, setKey] = useState('');
  const [scopes, setScopes] = useState<string[]>(['system/ServiceRequest.write']);
  const [fhirBase, setFhirBase] = useState('');
  const [organization, setOrganization] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit() {
    setError(null);
    let jwks: Record<string, unknown> | null = null;
    if (keyKind === 'jwks') {
      try {
        jwks = JSON.parse(key) as Record<string, unknown>;
      } catch {
        setError('The JWK Set is not valid JSON: paste the whole {"keys": [...]} document.');
        return;
      }
    }
    setBusy(true);
    try {
      unwrap(await api.POST('/v1/ehr-clients', {
        body: {
          name, client_id: clientId.trim() || null, scopes, fhir_base_url: fhirBase.trim() || null, organization_id: organization,
          public_key_pem: keyKind === 'pem' ? key : null, jwks, jwks_url: keyKind === 'url' ? key.trim() : null,
        },
      }));
      onDone();
    } catch (err) {
      setError(problemText(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal opened onClose={onClose} title="Register EHR client" size="lg">
      <Stack>
        {error && <Alert color="red" role="alert">{error}</Alert>}
        <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <TextInput label="Client id (optional)" description="Left empty, one is generated." value={clientId} onChange={(e) => setClientId(e.currentTarget.value)} />
        <Select label="Organization (optional)" searchable clearable value={organization} onChange={setOrganization}
          data={(orgs.data?.items ?? []).map((o) => ({ value: o.id, label: o.name }))} />
        <SegmentedControl value={keyKind} onChange={(v) => { setKeyKind(v as 'pem' | 'jwks' | 'url'); setKey(''); }} aria-label="Key format"
          data={[{ value: 'pem', label: 'Public key (PEM)' }, { value: 'url', label: 'JWKS URL' }, { value: 'jwks', label: 'JWK Set (JSON)' }]} />
        {keyKind === 'url' ? (
          <TextInput label="JWKS URL" required description="Refloop reads the keys from here now; register again or update to read them anew."
            placeholder="https://ehr.example/.well-known/jwks.json" value={key} onChange={(e) => setKey(e.currentTarget.value)} />
        ) : (
          <Textarea label={keyKind === 'pem' ? 'Public key (PEM)' : 'JWK Set'} required autosize minRows={4} maxRows={10}
            placeholder={keyKind === 'pem' ? '-----BEGIN PUBLIC KEY-----' : '{"keys": [...]}'} value={key} onChange={(e) => setKey(e.currentTarget.value)}
            styles={{ input: { fontFamily: 'monospace', fontSize: 12 } }} />
        )}
        <TagsInput label="Scopes" data={SUGGESTED_SCOPES} value={scopes} onChange={setScopes} clearable />
        <TextInput label="FHIR base URL (optional)" description="Where status updates are pushed." value={fhirBase} onChange={(e) => setFhirBase(e.currentTarget.value)} />
        <Group justify="flex-end"><Button variant="default" onClick={onClose}>Cancel</Button>
          <Button onClick={submit} loading={busy} disabled={!name.trim() || !key.trim() || scopes.length === 0}>Register</Button></Group>
      </Stack>
    </Modal>
  );
}
