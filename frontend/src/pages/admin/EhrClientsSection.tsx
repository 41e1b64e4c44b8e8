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
  const [editing, setEditing] = useState<EhrClient | null>(null);
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
                  <Table.Th>Keys</Table.Th><Table.Th>Pushes</Table.Th><Table.Th>Registered</Table.Th><Table.Th>Status</Table.Th>
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
                    <Table.Td><Text size="xs">{pushSummary(c)}</Text></Table.Td>
                    <Table.Td>{formatDateTime(c.created_at)}</Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="wrap">
                        <StatusText ok={c.active} yes="Active" no="Disabled" />
                        <Button size="compact-xs" variant="subtle" onClick={() => setEditing(c)} aria-label={`Pushes to ${c.name}`}>Pushes</Button>
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
      {editing && <PushDialog client={editing} onClose={() => setEditing(null)}
        onDone={() => { setEditing(null); queryClient.invalidateQueries({ queryKey: ['admin', 'ehr-clients'] }); }} />}
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
  const [push, setPush] = useState<Push>(NO_PUSH);
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
          ...pushBody(push),
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
        {fhirBase.trim() && <PushFields value={push} onChange={setPush} />}
        <Group justify="flex-end"><Button variant="default" onClick={onClose}>Cancel</Button>
          <Button onClick={submit} loading={busy} disabled={!name.trim() || !key.trim() || scopes.length === 0}>Register</Button></Group>
      </Stack>
    </Modal>
  );
}

type Push = { clientId: string; tokenUrl: string; scope: string };
const NO_PUSH: Push = { clientId: '', tokenUrl: '', scope: '' };

function pushSummary(c: EhrClient): string {
  if (!c.fhir_base_url) return 'None';
  return c.push_client_id ? `Signed in as ${c.push_client_id}` : 'Without credentials';
}

function pushBody(p: Push) {
  return { push_client_id: p.clientId.trim() || null, push_token_url: p.tokenUrl.trim() || null, push_scope: p.scope.trim() || null };
}

/** Refloop's own identity at the EHR, for pushes with SMART Backend Services credentials. */
function PushFields({ value, onChange }: { value: Push; onChange: (p: Push) => void }) {
  const jwksUrl = `${window.location.origin}/.well-known/jwks.json`;
  return (
    <Paper withBorder p="sm" radius="md">
      <Stack gap="xs">
        <Text size="sm">Pushes sign in at the EHR with Refloop's key. Register Refloop there with the JWKS URL <Text span ff="monospace" size="sm">{jwksUrl}</Text>; leave the client id empty for an EHR that takes pushes without credentials.</Text>
        <TextInput label="Refloop's client id at the EHR" value={value.clientId} onChange={(e) => onChange({ ...value, clientId: e.currentTarget.value })} />
        <TextInput label="EHR token URL (optional)" description="Left empty, read from the EHR's /.well-known/smart-configuration."
          value={value.tokenUrl} onChange={(e) => onChange({ ...value, tokenUrl: e.currentTarget.value })} />
        <TextInput label="Scopes to ask for (optional)" placeholder="system/Task.write system/Appointment.write system/Communication.write"
          value={value.scope} onChange={(e) => onChange({ ...value, scope: e.currentTarget.value })} />
      </Stack>
    </Paper>
  );
}

function PushDialog({ client, onClose, onDone }: { client: EhrClient; onClose: () => void; onDone: () => void }) {
  const [fhirBase, setFhirBase] = useState(client.fhir_base_url ?? '');
  const [push, setPush] = useState<Push>({ clientId: client.push_client_id ?? '', tokenUrl: client.push_token_url ?? '', scope: client.push_scope ?? '' });
  const [error, setError] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: async () => unwrap(await api.PATCH('/v1/ehr-clients/{client_row_id}', {
      params: { path: { client_row_id: client.id } }, body: { fhir_base_url: fhirBase.trim() || null, ...pushBody(push) },
    })),
    onSuccess: onDone,
    onError: (err) => setError(problemText(err)),
  });
  return (
    <Modal opened onClose={onClose} title={`Pushes to ${client.name}`} size="lg">
      <Stack>
        {error && <Alert color="red" role="alert">{error}</Alert>}
        <TextInput label="FHIR base URL" description="Where status updates are pushed; empty, none are." value={fhirBase} onChange={(e) => setFhirBase(e.currentTarget.value)} />
        {fhirBase.trim() && <PushFields value={push} onChange={setPush} />}
        <Group justify="flex-end"><Button variant="default" onClick={onClose}>Cancel</Button>
          <Button onClick={() => save.mutate()} loading={save.isPending}>Save</Button></Group>
      </Stack>
    </Modal>
  );
}
