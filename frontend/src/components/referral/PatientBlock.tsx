import { Alert, Button, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { IconEye, IconEyeOff } from '@tabler/icons-react';
import type { Referral } from '../../api/contracts';
import { formatDate, maskName } from '../../lib/format';
import { humanize } from '../../lib/lifecycle';

type Patient = Referral['patient'];

function Field({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text size="sm">{value}</Text>
    </div>
  );
}

/** Patient details stay masked until someone asks to see them; the reveal request is what the audit log records. */
export function PatientBlock({ patient, revealed, onReveal, onHide, revealing, error }: {
  patient: Patient;
  revealed: Patient | null;
  onReveal: () => void;
  onHide: () => void;
  revealing?: boolean;
  error?: string | null;
}) {
  const p = revealed;
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="patient-heading">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="patient-heading">Patient</Title>
        {p ? (
          <Button size="compact-sm" variant="subtle" leftSection={<IconEyeOff size={14} aria-hidden />} onClick={onHide}>Hide</Button>
        ) : (
          <Button size="compact-sm" variant="light" leftSection={<IconEye size={14} aria-hidden />} onClick={onReveal} loading={revealing}>
            Reveal patient details
          </Button>
        )}
      </Group>
      {error && <Alert color="red" mb="sm" role="alert">{error}</Alert>}
      {p ? (
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <Field label="Name" value={`${p.given_name} ${p.family_name}`} />
          <Field label="Birth date" value={formatDate(p.birth_date)} />
          <Field label="Sex" value={p.sex ? humanize(p.sex) : '—'} />
          <Field label="MRN" value={p.mrn ?? '—'} />
          <Field label="Phone" value={p.phone ?? '—'} />
          <Field label="Email" value={p.email ?? '—'} />
          <Field label="Address" value={p.address ? [...(p.address.line ?? []), p.address.city, p.address.state, p.address.postal_code].filter(Boolean).join(', ') : '—'} />
          {p.notes && <Field label="Notes" value={p.notes} />}
        </SimpleGrid>
      ) : (
        <Stack gap={4}>
          <Text size="sm" aria-label="Patient name hidden">{maskName(patient.given_name, patient.family_name)}</Text>
          <Text size="xs" c="dimmed">Birth date, contact details and MRN are hidden. Revealing them is recorded in the audit log.</Text>
        </Stack>
      )}
    </Paper>
  );
}
