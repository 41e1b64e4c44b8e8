// The referral's SLA clocks, one per milestone: state, due time and business time left (paused in needs info).
import { Paper, Table, Text } from '@mantine/core';
import type { MilestoneSla } from '../../api/contracts';
import { useReferralDetail } from '../../api/hooks';
import { formatDateTime } from '../../lib/format';
import { formatLeft, MILESTONE_LABEL, type ClockState } from '../../lib/clock';
import { SlaClock, useNow } from '../SlaClock';
import { PanelTitle } from './AppointmentsPanel';

function stateOf(m: MilestoneSla): ClockState {
  if (m.state === 'met') return 'met';
  return m.paused ? 'paused' : m.state;
}

export function SlaPanel({ referralId }: { referralId: string }) {
  const now = useNow(1000);
  const referral = useReferralDetail(referralId);
  const clocks = (referral.data?.sla ?? []).filter((m) => !m.stopped);
  const asOf = referral.dataUpdatedAt;
  if (!clocks.length) return null;
  return (
    <Paper withBorder p="md" radius="md" mb="md" component="section" aria-labelledby="sla-heading">
      <PanelTitle id="sla-heading">SLA clocks</PanelTitle>
      <Table verticalSpacing={4} aria-label="SLA clocks">
        <Table.Thead>
          <Table.Tr><Table.Th>Milestone</Table.Th><Table.Th miw={116}>Clock</Table.Th><Table.Th>Due</Table.Th><Table.Th>Target</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {clocks.map((m) => (
            <Table.Tr key={m.milestone} data-milestone={m.milestone}>
              <Table.Td><Text size="sm" fw={500}>{MILESTONE_LABEL[m.milestone] ?? m.milestone}</Text></Table.Td>
              <Table.Td>
                {m.state === 'met'
                  ? <SlaClock state="met" dueAt={null} now={now} />
                  : m.paused
                    ? <><SlaClock state="paused" dueAt={null} now={now} /> <Text span size="sm">{formatLeft(m.business_seconds_left)} (business time)</Text></>
                    : <SlaClock state={stateOf(m)} dueAt={m.due_at} now={now} />}
              </Table.Td>
              <Table.Td>
                <Text size="sm">{m.state === 'met' ? `Met ${formatDateTime(m.reached_at)}` : m.paused ? 'Paused while waiting for information' : formatDateTime(m.due_at)}</Text>
                {m.state !== 'met' && !m.paused && asOf > 0 && (
                  <Text size="xs" c="dimmed">{formatLeft(m.business_seconds_left)} in business hours</Text>
                )}
              </Table.Td>
              <Table.Td><Text size="sm">{Math.round(m.target_business_seconds / 3600)} business hours</Text></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
