// The practice's referrals: status, the appointment once booked, and the visit summary once seen.
import { Anchor, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import type { Referral } from '../api/contracts';
import { StatusBadge } from '../components/StatusBadge';
import { formatDate, formatDateTime } from '../lib/format';
import { closureNote, currentAppointment, usePortalEvents, usePracticeReferrals } from './queries';

const BOOKED = ['scheduled', 'completed', 'closed'];

export function patientName(r: Referral): string {
  return `${r.patient.given_name} ${r.patient.family_name}`;
}

function AppointmentCell({ referral }: { referral: Referral }) {
  const events = usePortalEvents(referral.id, BOOKED.includes(referral.status));
  const start = currentAppointment(events.data);
  return <Text size="sm">{start ? formatDateTime(start) : '—'}</Text>;
}

function SummaryCell({ referral }: { referral: Referral }) {
  const events = usePortalEvents(referral.id, ['completed', 'closed'].includes(referral.status));
  const note = closureNote(events.data);
  return <Text size="sm" lineClamp={2}>{note?.note ?? '—'}</Text>;
}

export function ReferralTable({ items, label }: { items: Referral[]; label: string }) {
  if (items.length === 0) return <Text size="sm" c="dimmed">None.</Text>;
  return (
    <Table aria-label={label} verticalSpacing={6}>
      <Table.Thead>
        <Table.Tr><Table.Th>Patient</Table.Th><Table.Th>Service</Table.Th><Table.Th>Sent</Table.Th><Table.Th>Status</Table.Th>
          <Table.Th>Appointment</Table.Th><Table.Th>Visit summary</Table.Th></Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {items.map((r) => (
          <Table.Tr key={r.id} data-referral={r.id}>
            <Table.Td><Anchor component={Link} to={`/portal/referrals/${r.id}`}>{patientName(r)}</Anchor></Table.Td>
            <Table.Td><Text size="sm">{r.service_line}</Text></Table.Td>
            <Table.Td><Text size="sm">{formatDate(r.received_at)}</Text></Table.Td>
            <Table.Td><StatusBadge status={r.status} /></Table.Td>
            <Table.Td><AppointmentCell referral={r} /></Table.Td>
            <Table.Td><SummaryCell referral={r} /></Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function PortalReferralsPage() {
  const referrals = usePracticeReferrals();
  return (
    <Stack gap="md">
      <Title order={2}>Your referrals</Title>
      {referrals.error ? <Text c="red.8">Could not load referrals: {(referrals.error as Error).message}</Text>
        : referrals.isPending ? <Text c="dimmed">Loading…</Text>
          : <ReferralTable items={referrals.data!.items} label="Referrals" />}
    </Stack>
  );
}
