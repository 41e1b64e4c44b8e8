// The directory record's own fields, where the hygiene to-do list sends a person to fix them.
import { useState } from 'react';
import { Alert, Button, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ProblemError, unwrap } from '../api/client';
import type { Provider } from '../api/contracts';
import { contactMethodLabel, formatDate } from '../lib/format';

const METHODS = ['email', 'phone', 'fax', 'direct', 'portal', 'fhir', 'sms'].map((m) => ({ value: m, label: contactMethodLabel(m) }));

export function ProviderRecordForm({ provider }: { provider: Provider }) {
  const client = useQueryClient();
  const email = provider.contact_points.find((c) => c.system === 'email');
  const primary = provider.specialties.find((s) => s.primary) ?? provider.specialties[0];
  const [npi, setNpi] = useState(provider.npi ?? '');
  const [method, setMethod] = useState<string | null>(provider.preferred_contact_method ?? null);
  const [status, setStatus] = useState<string>(provider.status === 'inactive' ? 'inactive' : 'active');
  const [mail, setMail] = useState(email?.value ?? '');
  const [specialty, setSpecialty] = useState<string | null>(primary?.code ?? null);
  const specialties = useQuery({
    queryKey: ['reference', 'specialties'],
    queryFn: async () => unwrap(await api.GET('/v1/reference/specialties')),
    staleTime: 3_600_000,
  });
  const choices = [...(specialties.data ?? []).map((s) => ({ value: s.key, label: `${s.display} (${s.key})` }))];
  if (primary && !choices.some((c) => c.value === primary.code)) choices.push({ value: primary.code, label: `${primary.code} (not in the NUCC set)` });
  const refresh = () => client.invalidateQueries({ queryKey: ['provider', provider.id] });

  const save = useMutation({
    mutationFn: async () => {
      const others = provider.contact_points.filter((c) => c.system !== 'email').map(({ system, value, use }) => ({ system, value, use }));
      const chosen = (specialties.data ?? []).find((s) => s.key === specialty);
      const body: Record<string, unknown> = {
        npi: npi.trim() || null,
        preferred_contact_method: method,
        status,
        contact_points: mail.trim() ? [...others, { system: 'email', value: mail.trim(), use: 'work' }] : others,
      };
      if (specialty && chosen && specialty !== primary?.code) {
        body.specialties = [{ code: chosen.key, display: chosen.display, primary: true }];
      }
      return unwrap(await api.PATCH('/v1/providers/{provider_id}', {
        params: { path: { provider_id: provider.id }, header: { 'If-Match': `"${provider.version}"` } }, body: body as never,
      }));
    },
    onSuccess: refresh,
  });
  const verify = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/providers/{provider_id}/verify', { params: { path: { provider_id: provider.id } } })),
    onSuccess: refresh,
  });
  const markGood = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/providers/{provider_id}/contact-points/good', { params: { path: { provider_id: provider.id } } })),
    onSuccess: refresh,
  });
  const problem = save.error instanceof ProblemError ? save.error.problem : null;

  return (
    <Stack gap="xs">
      <Group gap="sm" align="end" wrap="wrap">
        <TextInput label="NPI" value={npi} onChange={(e) => setNpi(e.currentTarget.value)} w={140} />
        <Select label="Preferred contact" data={METHODS} value={method} onChange={setMethod} w={180} clearable />
        <Select label="Status" data={[{ value: 'active', label: 'Active' }, { value: 'inactive', label: 'Inactive' }]}
          value={status} onChange={(v) => setStatus(v ?? 'active')} w={130} />
        <TextInput label="E-mail" value={mail} onChange={(e) => setMail(e.currentTarget.value)} w={240}
          error={email?.bad ? `Bounced: ${email.bad_reason ?? 'refused'}; outreach e-mails to it are not sent` : undefined} />
        {email?.bad && (
          <Button size="xs" variant="default" onClick={() => markGood.mutate()} loading={markGood.isPending}>Mark as good</Button>
        )}
        <Select label="Primary specialty" data={choices} value={specialty} onChange={setSpecialty} w={300} searchable />
      </Group>
      <Group gap="sm">
        <Button size="xs" onClick={() => save.mutate()} loading={save.isPending}>Save record</Button>
        <Button size="xs" variant="light" onClick={() => verify.mutate()} loading={verify.isPending}>Mark verified</Button>
        <Text size="xs" c="dimmed">Verified: {provider.verified_at ? formatDate(provider.verified_at) : 'never'}</Text>
      </Group>
      {save.isSuccess && <Text size="xs" c="teal" role="status">Record saved.</Text>}
      {save.error && (
        <Alert color="red" role="alert">
          {problem?.detail ?? save.error.message}
          {problem?.errors?.map((e) => <div key={e.field}>{e.field}: {e.message}</div>)}
        </Alert>
      )}
    </Stack>
  );
}
