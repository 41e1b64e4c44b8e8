// Dashboard card: of the period's referrals, how many reached each SLA milestone within its business-time
// target. Definitions: DESIGN.md "Journey automation"; the figures are the analytics summary's `sla`.
import { Paper, Table, Text, Title } from '@mantine/core';
import type { SlaAttainment as Attainment } from '../api/contracts';
import { MILESTONE_LABEL } from '../lib/clock';
import { pct } from '../lib/format';

export function SlaAttainment({ rows }: { rows: Attainment[] }) {
  const decided = rows.some((r) => r.decided > 0);
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="sla-heading">
      <Title order={2} size="h4" id="sla-heading">SLA attainment</Title>
      <Text size="xs" c="dimmed" mb="sm">
        Referrals received in the period whose milestone was reached, or is still open past its due time (decided);
        met: reached within the target the SLA policy sets for the urgency, in business time.
      </Text>
      {!decided ? (
        <Text size="sm" c="dimmed">No milestone decided in this period.</Text>
      ) : (
        <Table verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Milestone</Table.Th><Table.Th ta="right">Met</Table.Th>
              <Table.Th ta="right">Decided</Table.Th><Table.Th ta="right">Attainment</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.milestone}>
                <Table.Td>{MILESTONE_LABEL[r.milestone] ?? r.milestone}</Table.Td>
                <Table.Td ta="right">{r.met}</Table.Td>
                <Table.Td ta="right">{r.decided}</Table.Td>
                <Table.Td ta="right">{pct(r.rate)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}
