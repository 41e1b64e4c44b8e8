// Dashboard card: of the period's appointments, how many patients confirmed and how many did not come,
// by the channel (e-mail, SMS) that carried their appointment link. Definitions: docs/patient-links.md.
import { Paper, Table, Text, Title } from '@mantine/core';
import type { ReminderChannelRates } from '../api/contracts';
import { pct } from '../lib/format';

const CHANNEL_LABEL: Record<string, string> = { email: 'E-mail', sms: 'SMS', none: 'No link sent' };

export function ReminderChannels({ rows }: { rows: ReminderChannelRates[] }) {
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="reminder-heading">
      <Title order={2} size="h4" id="reminder-heading">Confirmation and no-shows by reminder channel</Title>
      <Text size="xs" c="dimmed" mb="sm">
        Appointments of these referrals, by the channel of the patient's booking notice or reminder link.
        Confirmed: the patient confirmed through the link. No-show: missed / (seen + missed).
      </Text>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">No appointments in this period.</Text>
      ) : (
        <Table verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Channel</Table.Th><Table.Th ta="right">Appointments</Table.Th>
              <Table.Th ta="right">Confirmed</Table.Th><Table.Th ta="right">No-show rate</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.channel}>
                <Table.Td>{CHANNEL_LABEL[r.channel] ?? r.channel}</Table.Td>
                <Table.Td ta="right">{r.appointments}</Table.Td>
                <Table.Td ta="right">
                  {r.confirmation ? `${pct(r.confirmation.rate)} (${r.confirmation.count} of ${r.confirmation.of})` : '—'}
                </Table.Td>
                <Table.Td ta="right">{`${pct(r.no_show.rate)} (${r.no_show.count} of ${r.no_show.of})`}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}
