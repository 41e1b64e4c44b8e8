// Two provider records side by side: differing fields highlighted, with the value to keep chosen per field.
import { Badge, Group, Radio, Stack, Table, Text } from '@mantine/core';
import type { DuplicatePair } from '../../api/contracts';
import { providerName } from '../../api/hooks';
import { compareFields, defaultPick, type FieldRow, type Side } from '../../lib/merge';

export type Picks = Partial<Record<FieldRow['field'], Side | 'both'>>;

interface Props {
  pair: DuplicatePair;
  survivor: Side;
  picks: Picks;
  onSurvivor: (side: Side) => void;
  onPick: (field: FieldRow['field'], pick: Side | 'both') => void;
  readOnly?: boolean; // shown to those who may look but not merge
}

export function PairComparison({ pair, survivor, picks, onSurvivor, onPick, readOnly = false }: Props) {
  const rows = compareFields(pair.first, pair.second);
  const sides: Side[] = ['first', 'second'];
  return (
    <Stack gap="sm">
      <Group gap="xs" aria-label="Why these look alike">
        <Badge size="lg" color={pair.score >= 0.9 ? 'red' : 'orange'}>score {pair.score.toFixed(2)}</Badge>
        {pair.reasons.map((r) => <Badge key={r} variant="light" color="gray">{r}</Badge>)}
      </Group>
      {!readOnly && <Radio.Group label="Record that stays" value={survivor} onChange={(v) => onSurvivor(v as Side)}>
        <Group mt={4}>
          {sides.map((side) => <Radio key={side} value={side} label={`Keep ${providerName(pair[side])} (${side === 'first' ? 'left' : 'right'})`} />)}
        </Group>
      </Radio.Group>}
      <Table aria-label="Compare the two records" withTableBorder verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr><Table.Th>Field</Table.Th><Table.Th>Left record</Table.Th><Table.Th>Right record</Table.Th>{!readOnly && <Table.Th>Keep</Table.Th>}</Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => {
            const pick = picks[row.field] ?? defaultPick(row, survivor);
            return (
              <Table.Tr key={row.field} data-differs={!row.same} bg={row.same ? undefined : 'yellow.0'}>
                <Table.Th scope="row">{row.label}</Table.Th>
                <Table.Td fw={!row.same && (pick === 'first' || pick === 'both') ? 700 : undefined}>{row.first}</Table.Td>
                <Table.Td fw={!row.same && (pick === 'second' || pick === 'both') ? 700 : undefined}>{row.second}</Table.Td>
                {!readOnly && <Table.Td>
                  {row.same ? <Text size="xs" c="dimmed">same</Text> : (
                    <Radio.Group aria-label={`Keep which ${row.label}`} value={pick} onChange={(v) => onPick(row.field, v as Side | 'both')}>
                      <Group gap="xs">
                        <Radio value="first" label="Left" size="xs" />
                        <Radio value="second" label="Right" size="xs" />
                        {row.list && <Radio value="both" label="Both" size="xs" />}
                      </Group>
                    </Radio.Group>
                  )}
                </Table.Td>}
              </Table.Tr>
            );
          })}
          <Table.Tr>
            <Table.Th scope="row">Organizations</Table.Th>
            {sides.map((side) => <Table.Td key={side}>{pair[side].affiliations.map((a) => a.organization_name).join(', ') || '—'}</Table.Td>)}
            {!readOnly && <Table.Td><Text size="xs" c="dimmed">both kept</Text></Table.Td>}
          </Table.Tr>
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
