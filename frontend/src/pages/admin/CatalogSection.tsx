// The service catalog referring practices read: criteria, accepted payers, locations, scheduling contact.
import { useEffect, useState } from 'react';
import { Alert, Button, Group, MultiSelect, Select, Stack, TagsInput, Text, Textarea, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ProblemError, unwrap } from '../../api/client';
import type { CatalogEntry } from '../../api/contracts';
import { usePayerClasses } from '../../api/reference';
import { useCatalog } from '../../portal/queries';
import { waitWords } from '../../portal/PortalCatalogPage';

type Form = { referral_criteria: string; payer_classes: string[]; locations: string[]; name: string; phone: string; email: string; hours: string };

function toForm(e: CatalogEntry): Form {
  const c = e.scheduling_contact ?? {};
  return { referral_criteria: e.referral_criteria ?? '', payer_classes: e.payer_classes ?? [], locations: e.locations ?? [],
    name: c.name ?? '', phone: c.phone ?? '', email: c.email ?? '', hours: c.hours ?? '' };
}

const opt = (s: string) => s.trim() || null;

export function CatalogSection() {
  const catalog = useCatalog();
  const payerClasses = usePayerClasses();
  const queryClient = useQueryClient();
  const [line, setLine] = useState<string | null>(null);
  const entry = catalog.data?.find((e) => e.service_line === line);
  const [form, setForm] = useState<Form | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { setForm(entry ? toForm(entry) : null); setError(null); }, [entry]);
  const save = useMutation({
    mutationFn: async () => unwrap(await api.PUT('/v1/catalog/{service_line}', {
      params: { path: { service_line: line! } },
      body: {
        referral_criteria: opt(form!.referral_criteria), payer_classes: form!.payer_classes as CatalogEntry['payer_classes'],
        locations: form!.locations,
        scheduling_contact: { name: opt(form!.name), phone: opt(form!.phone), email: opt(form!.email), hours: opt(form!.hours) },
      },
    })) as CatalogEntry,
    onSuccess: () => {
      notifications.show({ color: 'teal', message: 'Catalog entry saved.' });
      queryClient.invalidateQueries({ queryKey: ['catalog'] });
    },
    onError: (err) => setError(err instanceof ProblemError ? err.message : 'Could not reach the server.'),
  });
  const set = (k: keyof Form) => (v: string | string[]) => setForm((f) => f && { ...f, [k]: v });
  return (
    <Stack gap="sm" maw={800}>
      <Text size="sm" c="dimmed">What referring practices read in the portal and partners through GET /v1/catalog. The wait is computed from the last 90 days.</Text>
      <Select label="Service line" placeholder="Choose one to edit" searchable value={line} onChange={setLine}
        data={(catalog.data ?? []).map((e) => ({ value: e.service_line, label: e.display }))} />
      {entry && form && (
        <form aria-label="Catalog entry" onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
          <Stack gap="sm">
            <Text size="sm">{waitWords(entry)}</Text>
            {error && <Alert color="red" role="alert">{error}</Alert>}
            <Textarea label="Referral criteria" autosize minRows={3} maxLength={4000} value={form.referral_criteria}
              onChange={(e) => set('referral_criteria')(e.currentTarget.value)} />
            <MultiSelect label="Accepted payer classes" value={form.payer_classes} onChange={set('payer_classes')}
              data={(payerClasses.data ?? []).map((c) => ({ value: c.key, label: c.display }))} />
            <TagsInput label="Locations" description="Press Enter after each" value={form.locations} onChange={set('locations')} />
            <Group grow>
              <TextInput label="Scheduling contact" value={form.name} onChange={(e) => set('name')(e.currentTarget.value)} />
              <TextInput label="Phone" value={form.phone} onChange={(e) => set('phone')(e.currentTarget.value)} />
            </Group>
            <Group grow>
              <TextInput label="E-mail" type="email" value={form.email} onChange={(e) => set('email')(e.currentTarget.value)} />
              <TextInput label="Hours" value={form.hours} onChange={(e) => set('hours')(e.currentTarget.value)} />
            </Group>
            <Group justify="flex-end"><Button type="submit" loading={save.isPending}>Save</Button></Group>
          </Stack>
        </form>
      )}
    </Stack>
  );
}
