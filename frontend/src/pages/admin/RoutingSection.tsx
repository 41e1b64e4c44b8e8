// Routing rules, tried in order: the first whose conditions all hold puts a new referral in its queue and
// picks an assignee by its strategy. A dry run shows which rule a referral would match and why.
import { useState } from 'react';
import {
  Alert, Badge, Button, Checkbox, Fieldset, Group, List, Modal, MultiSelect, NumberInput, Paper, ScrollArea, Select, SimpleGrid,
  Stack, Switch, Table, TagsInput, Text, TextInput, Title,
} from '@mantine/core';
import { IconPlayerPlay, IconPlus, IconRefresh } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { DryRunResult, RoutingRule, RoutingRuleWrite, Urgency, WorkQueue } from '../../api/contracts';
import { useUsers } from '../../api/hooks';
import { serviceLineOptions, usePayerClasses, useServiceLines } from '../../api/reference';
import { QueryState } from '../../components/QueryState';
import { humanize } from '../../lib/lifecycle';
import { fieldErrors, problemText, useRuleList } from './shared';

type Conditions = RoutingRuleWrite['conditions'];
type ConditionKey = keyof Conditions;

const URGENCIES: Urgency[] = ['routine', 'urgent', 'asap', 'stat'];
const CHANNELS = ['fhir', 'partner_api', 'staff', 'fax', 'phone', 'email'];
const TIERS = ['A', 'B', 'C', 'D'];
const STRATEGIES = [{ value: 'round_robin', label: 'Round robin' }, { value: 'least_open', label: 'Least open work' }];
const CONDITION_LABEL: Record<ConditionKey, string> = {
  service_line: 'Service line',
  specialty_code: 'Specialty (NUCC code)',
  urgency: 'Urgency',
  payer_class: 'Payer class',
  location: 'Location',
  source_channel: 'Source channel',
  referrer_tier: 'Referrer tier',
};

export function useWorkQueues() {
  return useQuery({
    queryKey: ['admin', 'work-queues'],
    queryFn: async () => unwrap(await api.GET('/v1/work-queues')) as WorkQueue[],
  });
}

function conditionText(c: Conditions): string[] {
  return (Object.keys(CONDITION_LABEL) as ConditionKey[])
    .filter((k) => c[k]?.length)
    .map((k) => `${CONDITION_LABEL[k]}: ${(c[k] as string[]).map((v) => (k === 'referrer_tier' || k === 'specialty_code' ? v : humanize(v))).join(' or ')}`);
}

export function RoutingSection() {
  const queues = useWorkQueues();
  const { rules, editing, setEditing, removing, setRemoving, error, refresh, remove } = useRuleList(
    ['admin', 'routing-rules'],
    async () => unwrap(await api.GET('/v1/routing-rules')) as RoutingRule[],
    async (rule: RoutingRule) => unwrap(await api.DELETE('/v1/routing-rules/{rule_id}', { params: { path: { rule_id: rule.id } } })),
  );
  const [reapplying, setReapplying] = useState(false);
  const queueName = (id: string) => queues.data?.find((q) => q.id === id)?.name ?? 'a removed queue';
  const ordered = [...(rules.data ?? [])].sort((a, b) => a.position - b.position);
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Text c="dimmed" size="sm">Tried lowest position first; the first rule whose conditions all hold routes the referral. Editing rules never moves referrals already assigned.</Text>
        <Group gap="xs">
          <Button variant="light" leftSection={<IconRefresh size={16} aria-hidden />} onClick={() => setReapplying(true)}>Reapply rules</Button>
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setEditing('new')}>Add rule</Button>
        </Group>
      </Group>
      {error && <Alert color="red" role="alert">{error}</Alert>}
      <QueryState isPending={rules.isPending} error={rules.error} what="routing rules">
        <Paper withBorder radius="md">
          <ScrollArea>
            <Table verticalSpacing="xs" miw={760} aria-label="Routing rules">
              <Table.Thead>
                <Table.Tr><Table.Th>Order</Table.Th><Table.Th>Rule</Table.Th><Table.Th>When</Table.Th><Table.Th>Queue</Table.Th>
                  <Table.Th>Strategy</Table.Th><Table.Th>Status</Table.Th><Table.Th>Actions</Table.Th></Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {ordered.map((r) => (
                  <Table.Tr key={r.id} data-rule={r.name}>
                    <Table.Td>{r.position}</Table.Td>
                    <Table.Td><Text size="sm" fw={500}>{r.name}</Text></Table.Td>
                    <Table.Td>{conditionText(r.conditions).map((t) => <Text key={t} size="xs">{t}</Text>)}</Table.Td>
                    <Table.Td>{queueName(r.queue_id)}</Table.Td>
                    <Table.Td>{STRATEGIES.find((s) => s.value === r.strategy)?.label}</Table.Td>
                    <Table.Td><Badge variant="light" color={r.active ? 'teal' : 'gray'}>{r.active ? 'Active' : 'Off'}</Badge></Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Button size="compact-xs" variant="light" onClick={() => setEditing(r)} aria-label={`Edit ${r.name}`}>Edit</Button>
                        <Button size="compact-xs" variant="subtle" color="red" onClick={() => setRemoving(r)} aria-label={`Delete ${r.name}`}>Delete</Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
          {ordered.length === 0 && <Text p="md" c="dimmed" size="sm">No routing rules: new referrals stay unassigned.</Text>}
        </Paper>
      </QueryState>
      <DryRunPanel rules={ordered} queueName={queueName} />
      {editing && (
        <RuleDialog rule={editing === 'new' ? null : editing} nextPosition={(ordered.at(-1)?.position ?? 0) + 10}
          onClose={() => setEditing(null)} onSaved={() => { setEditing(null); refresh(); }} />
      )}
      <Modal opened={!!removing} onClose={() => setRemoving(null)} title="Delete routing rule">
        <Stack>
          <Text size="sm">“{removing?.name}” will route no more referrals. Referrals it already routed stay where they are.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRemoving(null)}>Cancel</Button>
            <Button color="red" loading={remove.isPending} onClick={() => removing && remove.mutate(removing)}>Delete rule</Button>
          </Group>
        </Stack>
      </Modal>
      {reapplying && <ReapplyDialog onClose={() => setReapplying(false)} />}
    </Stack>
  );
}

function RuleDialog({ rule, nextPosition, onClose, onSaved }: {
  rule: RoutingRule | null; nextPosition: number; onClose: () => void; onSaved: () => void;
}) {
  const queues = useWorkQueues();
  const lines = useServiceLines();
  const payers = usePayerClasses();
  const [name, setName] = useState(rule?.name ?? '');
  const [position, setPosition] = useState<number | string>(rule?.position ?? nextPosition);
  const [active, setActive] = useState(rule?.active ?? true);
  const [queue, setQueue] = useState<string | null>(rule?.queue_id ?? null);
  const [strategy, setStrategy] = useState<string | null>(rule?.strategy ?? 'round_robin');
  const [conditions, setConditions] = useState<Conditions>(rule?.conditions ?? {});
  const set = (key: ConditionKey) => (value: string[]) => setConditions({ ...conditions, [key]: value.length ? value : null });
  const save = useMutation({
    mutationFn: async () => {
      const body: RoutingRuleWrite = {
        name, position: Number(position), active, queue_id: queue!, strategy: strategy as RoutingRuleWrite['strategy'],
        conditions: Object.fromEntries(Object.entries(conditions).filter(([, v]) => v?.length)),
      };
      return rule
        ? unwrap(await api.PUT('/v1/routing-rules/{rule_id}', { params: { path: { rule_id: rule.id }, header: { 'If-Match': `"${rule.version}"` } }, body }))
        : unwrap(await api.POST('/v1/routing-rules', { body }));
    },
    onSuccess: onSaved,
  });
  const errors = fieldErrors(save.error, ['name', 'position', 'queue_id', 'strategy', 'conditions']);
  const multi = (key: ConditionKey, data: { value: string; label: string }[]) => (
    <MultiSelect label={CONDITION_LABEL[key]} data={data} value={(conditions[key] as string[] | null | undefined) ?? []} onChange={set(key)}
      placeholder="Any" clearable searchable comboboxProps={{ withinPortal: false }} />
  );
  return (
    <Modal opened onClose={onClose} title={rule ? `Edit ${rule.name}` : 'Add routing rule'} size="xl">
      <form onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
        <Stack>
          {errors.general.map((g) => <Alert key={g} color="red" role="alert">{g}</Alert>)}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.fields.name} data-autofocus />
            <NumberInput label="Position" description="Lower is tried first." min={0} max={100000} value={position} onChange={setPosition} error={errors.fields.position} />
            <Select label="Queue" required data={(queues.data ?? []).map((q) => ({ value: q.id, label: q.name }))} value={queue} onChange={setQueue}
              error={errors.fields.queue_id} comboboxProps={{ withinPortal: false }} nothingFoundMessage="Add a work queue first" />
            <Select label="Strategy" description="Who in the queue gets it." data={STRATEGIES} value={strategy} onChange={setStrategy}
              allowDeselect={false} error={errors.fields.strategy} comboboxProps={{ withinPortal: false }} />
          </SimpleGrid>
          <Fieldset legend="When (every condition set must hold; any of its values will do)">
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              {multi('service_line', serviceLineOptions(lines.data, conditions.service_line ?? []))}
              {multi('urgency', URGENCIES.map((u) => ({ value: u, label: humanize(u) })))}
              {multi('payer_class', (payers.data ?? []).map((p) => ({ value: p.key, label: p.display })))}
              {multi('source_channel', CHANNELS.map((c) => ({ value: c, label: humanize(c) })))}
              {multi('referrer_tier', TIERS.map((t) => ({ value: t, label: `Tier ${t}` })))}
              <TagsInput label={CONDITION_LABEL.specialty_code} value={conditions.specialty_code ?? []} onChange={set('specialty_code')} placeholder="Any; Enter after each" />
              <TagsInput label={CONDITION_LABEL.location} value={conditions.location ?? []} onChange={set('location')} placeholder="Any; Enter after each" />
            </SimpleGrid>
            {errors.fields.conditions && <Text size="sm" c="red.8" mt="xs" role="alert">{errors.fields.conditions}</Text>}
          </Fieldset>
          <Switch label="Active" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" loading={save.isPending}>Save rule</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function DryRunPanel({ rules, queueName }: { rules: RoutingRule[]; queueName: (id: string) => string }) {
  const lines = useServiceLines();
  const payers = usePayerClasses();
  const users = useUsers();
  const [line, setLine] = useState<string | null>(null);
  const [urgency, setUrgency] = useState<string | null>('routine');
  const [payer, setPayer] = useState<string | null>(null);
  const [channel, setChannel] = useState<string | null>('staff');
  const [specialty, setSpecialty] = useState('');
  const [location, setLocation] = useState('');
  const run = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/routing-rules/dry-run', {
      body: {
        service_line: line ?? '', urgency: urgency as Urgency, payer_class: (payer as never) ?? null,
        source_channel: (channel ?? 'staff') as never, specialty_code: specialty.trim() || null, location_preference: location.trim() || null,
      },
    })) as DryRunResult,
  });
  const errors = fieldErrors(run.error, ['service_line', 'urgency', 'payer_class', 'source_channel', 'specialty_code', 'location_preference']);
  const result = run.data;
  const who = (id: string | null) => (id ? users.data?.items.find((u) => u.id === id)?.full_name ?? 'a colleague' : 'nobody (the queue has no members)');
  const matched = result?.matched_rule_id ? rules.find((r) => r.id === result.matched_rule_id) : null;
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="dry-run-heading">
      <Title order={2} size="h4" id="dry-run-heading" mb="xs">Try the rules</Title>
      <Text size="sm" c="dimmed" mb="sm">Fill in a referral's fields to see which rule would route it and why. Nothing is saved and no one's turn is taken.</Text>
      <form onSubmit={(e) => { e.preventDefault(); run.mutate(); }} aria-label="Dry run">
        <Stack gap="sm">
          {errors.general.map((g) => <Alert key={g} color="red" role="alert">{g}</Alert>)}
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Select label="Service line" required searchable data={serviceLineOptions(lines.data)} value={line} onChange={setLine}
              error={errors.fields.service_line} comboboxProps={{ withinPortal: false }} />
            <Select label="Urgency" data={URGENCIES.map((u) => ({ value: u, label: humanize(u) }))} value={urgency} onChange={setUrgency}
              allowDeselect={false} comboboxProps={{ withinPortal: false }} />
            <Select label="Payer class" clearable data={(payers.data ?? []).map((p) => ({ value: p.key, label: p.display }))} value={payer}
              onChange={setPayer} error={errors.fields.payer_class} comboboxProps={{ withinPortal: false }} />
            <Select label="Source channel" data={CHANNELS.map((c) => ({ value: c, label: humanize(c) }))} value={channel} onChange={setChannel}
              allowDeselect={false} comboboxProps={{ withinPortal: false }} />
            <TextInput label="Specialty (NUCC code)" value={specialty} onChange={(e) => setSpecialty(e.currentTarget.value)} error={errors.fields.specialty_code} />
            <TextInput label="Location preference" value={location} onChange={(e) => setLocation(e.currentTarget.value)} error={errors.fields.location_preference} />
          </SimpleGrid>
          <Group justify="flex-end">
            <Button type="submit" variant="light" leftSection={<IconPlayerPlay size={16} aria-hidden />} loading={run.isPending}>Run dry run</Button>
          </Group>
        </Stack>
      </form>
      {result && (
        <Stack gap="xs" mt="sm" role="status" aria-label="Dry run result">
          {matched || result.matched_rule_id ? (
            <Alert color="teal" title={`Matches “${matched?.name ?? 'a rule'}”`}>
              Goes to {result.queue ?? (matched ? queueName(matched.queue_id) : 'its queue')} by {STRATEGIES.find((s) => s.value === result.strategy)?.label.toLowerCase()};
              it would be assigned to {who(result.next_assignee_id)}.
            </Alert>
          ) : (
            <Alert color="gray" title="No rule matches">The referral would stay unassigned, in no queue.</Alert>
          )}
          {result.referrer_tier && <Text size="sm">Referrer tier: {result.referrer_tier}</Text>}
          <List size="sm" aria-label="Rules tried">
            {result.evaluations.map((e) => (
              <List.Item key={e.rule_id}>
                <Text span size="sm" fw={500}>{e.name}</Text>: {e.matched ? 'matches' : 'does not match'}
                {e.reasons.length > 0 && ` (${e.reasons.join('; ')})`}
              </List.Item>
            ))}
          </List>
        </Stack>
      )}
    </Paper>
  );
}

function ReapplyDialog({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [includeAssigned, setIncludeAssigned] = useState(false);
  const reapply = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/routing-rules/reapply', { body: { include_assigned: includeAssigned, limit: 1000 } })),
    onSuccess: () => queryClient.invalidateQueries({ predicate: (q) => ['referrals', 'work-queue'].includes(q.queryKey[0] as string) }),
  });
  return (
    <Modal opened onClose={onClose} title="Reapply routing rules">
      <Stack>
        {reapply.data ? (
          <Alert color="teal" role="status" title="Rules reapplied">
            {reapply.data.examined} open referral{reapply.data.examined === 1 ? '' : 's'} examined, {reapply.data.moved} moved.
          </Alert>
        ) : (
          <>
            <Text size="sm">Open referrals are routed again by the current rules: their queue and assignee may change. Up to 1,000 at a time.</Text>
            <Checkbox label="Also move referrals that already have an assignee" checked={includeAssigned}
              onChange={(e) => setIncludeAssigned(e.currentTarget.checked)} />
            {reapply.error && <Alert color="red" role="alert">{problemText(reapply.error)}</Alert>}
          </>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{reapply.data ? 'Close' : 'Cancel'}</Button>
          {!reapply.data && <Button color={includeAssigned ? 'red' : undefined} loading={reapply.isPending} onClick={() => reapply.mutate()}>Reapply now</Button>}
        </Group>
      </Stack>
    </Modal>
  );
}
