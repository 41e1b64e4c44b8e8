// What a referral must carry, per service line. A referral missing any item goes to needs info with the list.
import { useState } from 'react';
import { Alert, Badge, Button, Group, Modal, MultiSelect, NumberInput, Paper, ScrollArea, Select, Stack, Table, Text } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { CompletenessRule, RequiredItem } from '../../api/contracts';
import { serviceLineOptions, useServiceLines } from '../../api/reference';
import { QueryState } from '../../components/QueryState';
import { DOCUMENT_KINDS } from '../../components/referral/DocumentsPanel';
import { formatDateTime } from '../../lib/format';
import { fieldErrors, useRuleList } from './shared';

// The referral fields a rule may ask for (the server's list: domain/journey/completeness_rules.py).
export const REQUIRED_FIELDS: { value: string; label: string }[] = [
  { value: 'icd10_codes', label: 'Diagnosis codes (ICD-10)' },
  { value: 'reason', label: 'Reason for referral' },
  { value: 'payer_name', label: 'Insurance payer' },
  { value: 'payer_class', label: 'Payer class' },
  { value: 'specialty_code', label: 'Specialty wanted' },
  { value: 'referring_provider_id', label: 'Referring provider' },
  { value: 'location_preference', label: 'Preferred location' },
  { value: 'patient.phone', label: 'Patient phone number' },
  { value: 'patient.email', label: 'Patient email' },
  { value: 'patient.address', label: 'Patient address' },
  { value: 'patient.mrn', label: 'Patient medical record number' },
  { value: 'patient.sex', label: 'Patient sex' },
];

const ITEM_OPTIONS = [
  { group: 'Referral fields', items: REQUIRED_FIELDS.map((f) => ({ value: `field:${f.value}`, label: f.label })) },
  { group: 'Documents', items: DOCUMENT_KINDS.map((k) => ({ value: `document:${k.value}`, label: `Document: ${k.label.toLowerCase()}` })) },
];
const ITEM_LABEL = Object.fromEntries(ITEM_OPTIONS.flatMap((g) => g.items.map((i) => [i.value, i.label])));

const itemKey = (i: RequiredItem) => (i.field ? `field:${i.field}` : `document:${i.document}`);
function toItem(key: string): RequiredItem {
  const [type, value] = key.split(/:(.*)/s);
  return type === 'field' ? { field: value } : { document: value as RequiredItem['document'] };
}

export function CompletenessSection() {
  const lines = useServiceLines();
  const { rules, editing, setEditing, removing, setRemoving, error, refresh, remove } = useRuleList(
    ['admin', 'completeness-rules'],
    async () => unwrap(await api.GET('/v1/completeness-rules')) as CompletenessRule[],
    async (rule: CompletenessRule) =>
      unwrap(await api.DELETE('/v1/completeness-rules/{service_line}', { params: { path: { service_line: rule.service_line } } })),
  );
  const lineName = (key: string) => lines.data?.find((l) => l.key === key)?.display ?? key;
  const items = rules.data ?? [];
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text c="dimmed" size="sm">Per service line, what a referral must carry. One missing puts it in needs info and asks the referrer for it.</Text>
        <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setEditing('new')}>Add rule</Button>
      </Group>
      {error && <Alert color="red" role="alert">{error}</Alert>}
      <QueryState isPending={rules.isPending} error={rules.error} what="completeness rules">
        <Paper withBorder radius="md">
          <ScrollArea>
            <Table verticalSpacing="xs" miw={720} aria-label="Completeness rules">
              <Table.Thead>
                <Table.Tr><Table.Th>Service line</Table.Th><Table.Th>Must carry</Table.Th><Table.Th>Reminders</Table.Th>
                  <Table.Th>Declined after</Table.Th><Table.Th>Changed</Table.Th><Table.Th>Actions</Table.Th></Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((r) => (
                  <Table.Tr key={r.service_line} data-service-line={r.service_line}>
                    <Table.Td><Text size="sm" fw={500}>{lineName(r.service_line)}</Text></Table.Td>
                    <Table.Td>
                      <Group gap={4}>{r.items.map((i) => <Badge key={itemKey(i)} variant="light" size="sm">{ITEM_LABEL[itemKey(i)] ?? itemKey(i)}</Badge>)}</Group>
                    </Table.Td>
                    <Table.Td><Text size="sm">every {r.remind_every_days} business day{r.remind_every_days === 1 ? '' : 's'}</Text></Table.Td>
                    <Table.Td><Text size="sm">{r.decline_after_days} business days</Text></Table.Td>
                    <Table.Td><Text size="sm">{formatDateTime(r.updated_at)}</Text></Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Button size="compact-xs" variant="light" onClick={() => setEditing(r)} aria-label={`Edit rule for ${lineName(r.service_line)}`}>Edit</Button>
                        <Button size="compact-xs" variant="subtle" color="red" onClick={() => setRemoving(r)} aria-label={`Delete rule for ${lineName(r.service_line)}`}>Delete</Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
          {items.length === 0 && <Text p="md" c="dimmed" size="sm">No completeness rules: every referral counts as complete.</Text>}
        </Paper>
      </QueryState>
      {editing && (
        <RuleDialog rule={editing === 'new' ? null : editing} taken={items.map((r) => r.service_line)}
          onClose={() => setEditing(null)} onSaved={() => { setEditing(null); refresh(); }} />
      )}
      <Modal opened={!!removing} onClose={() => setRemoving(null)} title="Delete completeness rule">
        <Stack>
          <Text size="sm">Referrals for {removing ? lineName(removing.service_line) : ''} will no longer be checked. Referrals already waiting for information keep waiting.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRemoving(null)}>Cancel</Button>
            <Button color="red" loading={remove.isPending} onClick={() => removing && remove.mutate(removing)}>Delete rule</Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function RuleDialog({ rule, taken, onClose, onSaved }: {
  rule: CompletenessRule | null; taken: string[]; onClose: () => void; onSaved: () => void;
}) {
  const lines = useServiceLines();
  const [line, setLine] = useState<string | null>(rule?.service_line ?? null);
  const [chosen, setChosen] = useState<string[]>(rule ? rule.items.map(itemKey) : []);
  const [remind, setRemind] = useState<number | string>(rule?.remind_every_days ?? 2);
  const [decline, setDecline] = useState<number | string>(rule?.decline_after_days ?? 10);
  const save = useMutation({
    mutationFn: async () => unwrap(await api.PUT('/v1/completeness-rules/{service_line}', {
      params: { path: { service_line: line! } },
      body: { items: chosen.map(toItem), remind_every_days: Number(remind), decline_after_days: Number(decline) },
    })),
    onSuccess: onSaved,
  });
  const errors = fieldErrors(save.error, ['items', 'remind_every_days', 'decline_after_days']);
  const options = serviceLineOptions(lines.data, line ? [line] : []).filter((o) => o.value === rule?.service_line || !taken.includes(o.value));
  return (
    <Modal opened onClose={onClose} title={rule ? 'Edit completeness rule' : 'Add completeness rule'} size="lg">
      <form onSubmit={(e) => { e.preventDefault(); if (line) save.mutate(); }}>
        <Stack>
          {errors.general.map((g) => <Alert key={g} color="red" role="alert">{g}</Alert>)}
          <Select label="Service line" required searchable data={options} value={line} onChange={setLine} disabled={!!rule}
            comboboxProps={{ withinPortal: false }} data-autofocus />
          <MultiSelect label="A referral must carry" required data={ITEM_OPTIONS} value={chosen} onChange={setChosen}
            error={errors.fields.items} searchable comboboxProps={{ withinPortal: false }}
            description="Fields the referral must have filled in, and documents of these kinds." />
          <Group grow>
            <NumberInput label="Remind every (business days)" min={1} max={30} value={remind} onChange={setRemind} error={errors.fields.remind_every_days} />
            <NumberInput label="Decline after (business days)" min={1} max={90} value={decline} onChange={setDecline} error={errors.fields.decline_after_days} />
          </Group>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" loading={save.isPending} disabled={!line}>Save rule</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
