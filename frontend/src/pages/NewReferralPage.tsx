import { useMemo, useRef, useState, type FormEvent } from 'react';
import { Alert, Autocomplete, Button, Fieldset, FileInput, Group, Select, SimpleGrid, Stack, TagsInput, Text, Textarea, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { api, authFetch, ProblemError, unwrap, type Problem } from '../api/client';
import type { ReferralCreate } from '../api/contracts';
import { providerName, useProviders } from '../api/hooks';
import { serviceLineOptions, useIcd10Search, usePayerClasses, usePayers, useServiceLines, useSpecialties } from '../api/reference';
import { humanize } from '../lib/lifecycle';
import { mapProblemToFields } from '../lib/problems';
import { URGENCIES } from '../lib/filters';
import { CompletenessHint } from '../components/referral/CompletenessHint';
import { DOCUMENT_KINDS } from '../components/referral/DocumentsPanel';
import { usePracticeProviders } from '../portal/queries';

export const REFERRAL_SOURCES = ['physician', 'hospital', 'emergency_department', 'urgent_care', 'payer', 'self_referral', 'other'];
const SEXES = ['female', 'male', 'other', 'unknown'];

export const FORM_FIELDS = [
  'patient.given_name', 'patient.family_name', 'patient.birth_date', 'patient.sex', 'patient.phone', 'patient.email',
  'patient.mrn', 'service_line', 'urgency', 'referral_source', 'referring_provider_id', 'reason', 'icd10_codes',
  'payer_name', 'payer_class', 'location_preference', 'specialty_code',
] as const;
type FieldName = (typeof FORM_FIELDS)[number];
type Values = Record<Exclude<FieldName, 'icd10_codes'>, string> & { icd10_codes: string[] };

const EMPTY: Values = {
  'patient.given_name': '', 'patient.family_name': '', 'patient.birth_date': '', 'patient.sex': '', 'patient.phone': '',
  'patient.email': '', 'patient.mrn': '', service_line: '', urgency: 'routine', referral_source: '', referring_provider_id: '',
  reason: '', icd10_codes: [], payer_name: '', payer_class: '', location_preference: '', specialty_code: '',
};

const REQUIRED: { field: FieldName; message: string }[] = [
  { field: 'patient.given_name', message: 'Enter the patient’s given name' },
  { field: 'patient.family_name', message: 'Enter the patient’s family name' },
  { field: 'patient.birth_date', message: 'Enter the birth date' },
  { field: 'service_line', message: 'Choose the service line asked for' },
  { field: 'referral_source', message: 'Choose who sent the patient' },
];

export function toPayload(v: Values, specialtyDisplay?: string | null): ReferralCreate {
  const opt = (s: string) => (s.trim() ? s.trim() : null);
  return {
    patient: {
      given_name: v['patient.given_name'].trim(),
      family_name: v['patient.family_name'].trim(),
      birth_date: v['patient.birth_date'],
      sex: (opt(v['patient.sex']) as ReferralCreate['patient']['sex']) ?? null,
      phone: opt(v['patient.phone']),
      email: opt(v['patient.email']),
      mrn: opt(v['patient.mrn']),
    },
    service_line: v.service_line.trim(),
    urgency: v.urgency as ReferralCreate['urgency'],
    referral_source: v.referral_source as ReferralCreate['referral_source'],
    referring_provider_id: opt(v.referring_provider_id),
    reason: opt(v.reason),
    icd10_codes: v.icd10_codes,
    payer_name: opt(v.payer_name),
    payer_class: (opt(v.payer_class) as ReferralCreate['payer_class']) ?? null,
    location_preference: opt(v.location_preference),
    specialty_code: opt(v.specialty_code),
    specialty_display: v.specialty_code ? specialtyDisplay ?? null : null,
    source_channel: 'staff',
  };
}

/** `portal`: a referring practice refers: its own providers, a document sent along, its own referral page after. */
export function NewReferralPage({ portal = false }: { portal?: boolean }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Values>(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  // One key per form fill: a double submit or a retry after a timeout is the same referral.
  const idempotencyKey = useRef(crypto.randomUUID());
  const providers = useProviders({ limit: 200 }, !portal);
  const practiceProviders = usePracticeProviders(portal);
  const [icdQuery, setIcdQuery] = useState('');
  const icd10 = useIcd10Search(icdQuery);
  const icdWords = useMemo(() => Object.fromEntries((icd10.data ?? []).map((e) => [e.key, e.display])), [icd10.data]);
  const [attachment, setAttachment] = useState<File | null>(null);
  const [attachmentKind, setAttachmentKind] = useState<string>('referral_letter');
  const serviceLines = useServiceLines();
  const specialties = useSpecialties();
  const payerClasses = usePayerClasses();
  const payers = usePayers();
  const providerOptions = useMemo(
    () => portal
      ? (practiceProviders.data ?? []).map((p) => ({ value: p.id, label: p.display_name }))
      : (providers.data?.items ?? []).map((p) => ({ value: p.id, label: providerName(p) })),
    [portal, providers.data, practiceProviders.data],
  );

  const set = (field: FieldName) => (value: string | string[] | null) => {
    setValues((v) => ({ ...v, [field]: value ?? '' }));
    setErrors((e) => ({ ...e, [field]: undefined }));
  };
  const text = (field: Exclude<FieldName, 'icd10_codes'>) => ({
    value: values[field],
    onChange: (e: { currentTarget: { value: string } }) => set(field)(e.currentTarget.value),
    error: errors[field],
  });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const missing = Object.fromEntries(REQUIRED.filter((r) => !values[r.field].toString().trim()).map((r) => [r.field, r.message]));
    setGeneral([]);
    if (Object.keys(missing).length) {
      setErrors(missing);
      focusFirstError(Object.keys(missing));
      return;
    }
    setBusy(true);
    try {
      const created = unwrap(await api.POST('/v1/referrals', {
        body: toPayload(values, specialties.data?.find((x) => x.key === values.specialty_code)?.display),
        params: { header: { 'Idempotency-Key': idempotencyKey.current } },
      }));
      idempotencyKey.current = crypto.randomUUID();
      const uploadProblem = attachment ? await uploadDocument(created.id, attachment, attachmentKind) : null;
      await queryClient.invalidateQueries({ queryKey: ['referrals'] });
      notifications.show({ color: uploadProblem ? 'yellow' : 'teal', message: uploadProblem
        ? `Referral sent, but the document was refused: ${uploadProblem} Add it again on the referral's page.`
        : 'Referral sent.' });
      navigate(portal ? `/portal/referrals/${created.id}` : `/referrals/${created.id}`);
    } catch (err) {
      if (err instanceof ProblemError) {
        const mapped = mapProblemToFields(err.problem, FORM_FIELDS);
        setErrors(mapped.fields as Partial<Record<FieldName, string>>);
        setGeneral(mapped.general.length ? mapped.general : Object.keys(mapped.fields).length ? [] : [err.message]);
        focusFirstError(Object.keys(mapped.fields));
      } else {
        setGeneral(['Could not reach the server. Nothing was saved; try again.']);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack gap="md" maw={900}>
      <Title order={1} size="h2">New referral</Title>
      <CompletenessHint serviceLine={values.service_line} />
      <form onSubmit={submit} noValidate aria-label="New referral">
        <Stack gap="md">
          {general.length > 0 && (
            <Alert color="red" role="alert" title="The referral was not saved">
              {general.map((g) => <Text key={g} size="sm">{g}</Text>)}
            </Alert>
          )}
          <Fieldset legend="Patient">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <TextInput label="Given name" required name="patient.given_name" {...text('patient.given_name')} />
              <TextInput label="Family name" required name="patient.family_name" {...text('patient.family_name')} />
              <TextInput label="Birth date" type="date" required name="patient.birth_date" {...text('patient.birth_date')} />
              <Select label="Sex" name="patient.sex" data={SEXES.map((s) => ({ value: s, label: humanize(s) }))} value={values['patient.sex'] || null} onChange={set('patient.sex')} error={errors['patient.sex']} clearable />
              <TextInput label="Phone" type="tel" name="patient.phone" {...text('patient.phone')} />
              <TextInput label="Email" type="email" name="patient.email" {...text('patient.email')} />
              <TextInput label="MRN" name="patient.mrn" description="Medical record number at the referring site" {...text('patient.mrn')} />
            </SimpleGrid>
          </Fieldset>
          <Fieldset legend="Referral">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <Select
                label="Service line"
                required
                name="service_line"
                placeholder={serviceLines.isError ? 'Service lines unavailable' : 'Choose a service line'}
                data={serviceLineOptions(serviceLines.data)}
                value={values.service_line || null}
                onChange={(v) => {
                  set('service_line')(v);
                  // The line's own specialty is the usual wish; a person can still pick another.
                  const code = serviceLines.data?.find((l) => l.key === v)?.specialty_code;
                  if (code && !values.specialty_code) set('specialty_code')(code);
                }}
                error={errors.service_line}
                searchable
              />
              <Select label="Urgency" name="urgency" data={URGENCIES.map((u) => ({ value: u, label: humanize(u) }))} value={values.urgency} onChange={set('urgency')} error={errors.urgency} allowDeselect={false} />
              <Select
                label="Referral source"
                required
                name="referral_source"
                placeholder="Who sent the patient?"
                data={REFERRAL_SOURCES.map((s) => ({ value: s, label: humanize(s) }))}
                value={values.referral_source || null}
                onChange={set('referral_source')}
                error={errors.referral_source}
              />
              <Select
                label="Referring provider"
                name="referring_provider_id"
                placeholder={portal ? 'One of your practice\'s providers' : providers.isError ? 'Directory unavailable' : 'Search the directory'}
                data={providerOptions}
                value={values.referring_provider_id || null}
                onChange={set('referring_provider_id')}
                error={errors.referring_provider_id}
                searchable
                clearable
              />
              <Select
                label="Specialty wanted"
                name="specialty_code"
                placeholder="Any specialist of the line"
                data={(specialties.data ?? []).map((x) => ({ value: x.key, label: `${x.display} (${x.key})` }))}
                value={values.specialty_code || null}
                onChange={set('specialty_code')}
                error={errors.specialty_code}
                searchable
                clearable
              />
              <TextInput label="Location preference" name="location_preference" {...text('location_preference')} />
              <Autocomplete
                label="Payer"
                name="payer_name"
                placeholder="Choose or type a payer"
                data={[...new Set((payers.data ?? []).map((p) => p.name))]}
                value={values.payer_name}
                onChange={(v) => {
                  set('payer_name')(v);
                  const known = payers.data?.find((p) => p.name === v);
                  if (known && !values.payer_class) set('payer_class')(known.payer_class);
                }}
                error={errors.payer_name}
              />
              <Select label="Payer class" name="payer_class" data={(payerClasses.data ?? []).map((c) => ({ value: c.key, label: c.display }))} value={values.payer_class || null} onChange={set('payer_class')} error={errors.payer_class} clearable />
            </SimpleGrid>
            <Textarea mt="sm" label="Reason for referral" name="reason" autosize minRows={3} maxLength={4000} {...text('reason')} />
            <TagsInput
              mt="sm"
              label="ICD-10 codes"
              name="icd10_codes"
              description="Search by code or words (e.g. I48.91, atrial fibrillation); press Enter after a code you type"
              value={values.icd10_codes}
              onChange={(codes) => { set('icd10_codes')(codes.map((c) => c.split(' ')[0].toUpperCase())); setIcdQuery(''); }}
              searchValue={icdQuery}
              onSearchChange={setIcdQuery}
              data={(icd10.data ?? []).map((e) => e.key).filter((k) => !values.icd10_codes.includes(k))}
              renderOption={({ option }) => <Text size="sm">{option.value} {icdWords[option.value]}</Text>}
              filter={({ options }) => options}
              error={errors.icd10_codes}
              maxTags={12}
            />
          </Fieldset>
          {portal && (
            <Fieldset legend="Document">
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                <FileInput label="Attach a document" placeholder="PDF, image or text" clearable value={attachment} onChange={setAttachment}
                  accept="application/pdf,image/png,image/jpeg,image/gif,image/webp,image/tiff,text/plain" />
                <Select label="Kind of document" data={DOCUMENT_KINDS} value={attachmentKind} allowDeselect={false}
                  onChange={(v) => setAttachmentKind(v ?? 'referral_letter')} />
              </SimpleGrid>
            </Fieldset>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => navigate(-1)}>Cancel</Button>
            <Button type="submit" loading={busy}>Create referral</Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}

/** Upload after the referral exists; the words of a refusal, or null. */
async function uploadDocument(referralId: string, file: File, kind: string): Promise<string | null> {
  const form = new FormData();
  form.append('file', file);
  form.append('kind', kind);
  form.append('title', file.name.replace(/\.[^.]+$/, '').slice(0, 200) || 'Document');
  const res = await authFetch(new Request(`${location.origin}/v1/referrals/${referralId}/documents`, { method: 'POST', body: form }));
  if (res.ok) return null;
  const problem = await res.json().catch(() => ({})) as Problem;
  return problem.detail ?? `the server answered ${res.status}.`;
}

function focusFirstError(fields: string[]) {
  const first = FORM_FIELDS.find((f) => fields.includes(f));
  if (!first) return;
  requestAnimationFrame(() => {
    const el = document.querySelector<HTMLElement>(`[name="${first}"]`);
    // Mantine's Select keeps a hidden input under the name; focus the visible one beside it.
    const target = (el as HTMLInputElement | null)?.type === 'hidden' ? el?.parentElement?.querySelector<HTMLElement>('input:not([type=hidden])') : el;
    target?.focus();
  });
}
