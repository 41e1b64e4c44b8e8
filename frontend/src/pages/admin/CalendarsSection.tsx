// Business time: calendars (time zone, weekly hours, holidays) and the SLA targets per urgency they measure.
import { useState } from 'react';
import {
  ActionIcon, Alert, Badge, Button, Fieldset, Group, Modal, NumberInput, Paper, ScrollArea, Select, SimpleGrid, Stack, Switch, Table,
  Text, TextInput, Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { BusinessCalendar, CalendarWrite, SlaPolicy, Urgency } from '../../api/contracts';
import { QueryState } from '../../components/QueryState';
import { humanize } from '../../lib/lifecycle';
import { fieldErrors } from './shared';

type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
const DAYS: { key: Weekday; label: string }[] = [
  { key: 'mon', label: 'Monday' }, { key: 'tue', label: 'Tuesday' }, { key: 'wed', label: 'Wednesday' }, { key: 'thu', label: 'Thursday' },
  { key: 'fri', label: 'Friday' }, { key: 'sat', label: 'Saturday' }, { key: 'sun', label: 'Sunday' },
];
const DEFAULT_HOURS: Record<Weekday, string> = { mon: '08:00-17:00', tue: '08:00-17:00', wed: '08:00-17:00', thu: '08:00-17:00', fri: '08:00-17:00', sat: '', sun: '' };

/** "08:00-12:00, 13:00-17:00" -> [["08:00","12:00"],["13:00","17:00"]]; blank is closed. */
export function parseSpans(text: string): [string, string][] {
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const [start = '', end = ''] = s.split('-').map((p) => p.trim());
    return [start, end];
  });
}

export function spansText(spans: [string, string][] | undefined): string {
  return (spans ?? []).map(([a, b]) => `${a}-${b}`).join(', ');
}

function hoursSummary(c: BusinessCalendar): string {
  const hours = c.weekly_hours as Partial<Record<Weekday, [string, string][]>>;
  return DAYS.filter((d) => hours[d.key]?.length).map((d) => `${d.label.slice(0, 3)} ${spansText(hours[d.key])}`).join(' · ') || 'Closed';
}

export function CalendarsSection() {
  return (
    <Stack gap="lg">
      <CalendarList />
      <SlaPolicies />
    </Stack>
  );
}

function CalendarList() {
  const queryClient = useQueryClient();
  const calendars = useQuery({
    queryKey: ['admin', 'calendars'],
    queryFn: async () => unwrap(await api.GET('/v1/calendars')) as BusinessCalendar[],
  });
  const [editing, setEditing] = useState<BusinessCalendar | 'new' | null>(null);
  const items = calendars.data ?? [];
  return (
    <Stack gap="sm" component="section" aria-labelledby="calendars-heading">
      <Group justify="space-between">
        <div>
          <Title order={2} size="h4" id="calendars-heading">Business calendars</Title>
          <Text c="dimmed" size="sm">SLA clocks run only inside business hours, in the calendar's time zone, and stop on holidays. An edit applies to every open referral on the calendar: due times move within a minute.</Text>
        </div>
        <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setEditing('new')}>Add calendar</Button>
      </Group>
      <QueryState isPending={calendars.isPending} error={calendars.error} what="calendars">
        <Paper withBorder radius="md">
          <ScrollArea>
            <Table verticalSpacing="xs" miw={720} aria-label="Business calendars">
              <Table.Thead>
                <Table.Tr><Table.Th>Name</Table.Th><Table.Th>Time zone</Table.Th><Table.Th>Hours</Table.Th><Table.Th>Holidays</Table.Th><Table.Th>Actions</Table.Th></Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((c) => (
                  <Table.Tr key={c.id} data-calendar={c.name}>
                    <Table.Td><Group gap={6}><Text size="sm" fw={500}>{c.name}</Text>{c.is_default && <Badge size="sm" variant="light">Default</Badge>}</Group></Table.Td>
                    <Table.Td>{c.time_zone}</Table.Td>
                    <Table.Td><Text size="xs">{hoursSummary(c)}</Text></Table.Td>
                    <Table.Td>{(c.holidays ?? []).length}</Table.Td>
                    <Table.Td><Button size="compact-xs" variant="light" onClick={() => setEditing(c)} aria-label={`Edit ${c.name}`}>Edit</Button></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
          {items.length === 0 && <Text p="md" c="dimmed" size="sm">No calendars: clocks use Monday to Friday, 08:00 to 17:00 UTC.</Text>}
        </Paper>
      </QueryState>
      {editing && (
        <CalendarDialog calendar={editing === 'new' ? null : editing} onClose={() => setEditing(null)}
          onSaved={() => { setEditing(null); queryClient.invalidateQueries({ queryKey: ['admin', 'calendars'] }); }} />
      )}
    </Stack>
  );
}

interface HolidayRow { start: string; end: string; name: string }

function CalendarDialog({ calendar, onClose, onSaved }: { calendar: BusinessCalendar | null; onClose: () => void; onSaved: () => void }) {
  const zones = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  const [name, setName] = useState(calendar?.name ?? '');
  const [zone, setZone] = useState<string | null>(calendar?.time_zone ?? 'America/New_York');
  const [hours, setHours] = useState<Record<Weekday, string>>(() => calendar
    ? Object.fromEntries(DAYS.map((d) => [d.key, spansText((calendar.weekly_hours as Partial<Record<Weekday, [string, string][]>>)[d.key])])) as Record<Weekday, string>
    : DEFAULT_HOURS);
  const [holidays, setHolidays] = useState<HolidayRow[]>(
    (calendar?.holidays ?? []).map((h) => ({ start: h.start, end: h.end ?? '', name: h.name })));
  const [isDefault, setIsDefault] = useState(calendar?.is_default ?? false);
  const save = useMutation({
    mutationFn: async () => {
      const body: CalendarWrite = {
        name, time_zone: zone ?? '', is_default: isDefault,
        weekly_hours: Object.fromEntries(DAYS.map((d) => [d.key, parseSpans(hours[d.key])]).filter(([, s]) => (s as unknown[]).length)),
        holidays: holidays.map((h) => ({ start: h.start, end: h.end || null, name: h.name })),
      };
      return calendar
        ? unwrap(await api.PUT('/v1/calendars/{calendar_id}', { params: { path: { calendar_id: calendar.id }, header: { 'If-Match': `"${calendar.version}"` } }, body }))
        : unwrap(await api.POST('/v1/calendars', { body }));
    },
    onSuccess: onSaved,
  });
  const errors = fieldErrors(save.error, ['name', 'time_zone', 'weekly_hours', 'holidays', 'is_default']);
  const setHoliday = (i: number, change: Partial<HolidayRow>) => setHolidays(holidays.map((h, j) => (j === i ? { ...h, ...change } : h)));
  return (
    <Modal opened onClose={onClose} title={calendar ? `Edit ${calendar.name}` : 'Add business calendar'} size="xl">
      <form onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
        <Stack>
          {errors.general.map((g) => <Alert key={g} color="red" role="alert">{g}</Alert>)}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.fields.name} data-autofocus />
            <Select label="Time zone" required searchable data={zones.length ? zones : [zone ?? 'UTC']} value={zone} onChange={setZone}
              error={errors.fields.time_zone} comboboxProps={{ withinPortal: false }} limit={50} />
          </SimpleGrid>
          <Fieldset legend="Weekly hours (local time, e.g. 08:00-12:00, 13:00-17:00; blank is closed)">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
              {DAYS.map((d) => (
                <TextInput key={d.key} label={d.label} value={hours[d.key]} placeholder="Closed"
                  onChange={(e) => setHours({ ...hours, [d.key]: e.currentTarget.value })} />
              ))}
            </SimpleGrid>
            {errors.fields.weekly_hours && <Text size="sm" c="red.8" mt="xs" role="alert">{errors.fields.weekly_hours}</Text>}
          </Fieldset>
          <Fieldset legend="Holidays">
            <Stack gap="xs">
              {holidays.map((h, i) => (
                <Group key={i} align="flex-end" wrap="nowrap" gap="xs">
                  <TextInput type="date" label="First day" required value={h.start} onChange={(e) => setHoliday(i, { start: e.currentTarget.value })} />
                  <TextInput type="date" label="Last day" value={h.end} onChange={(e) => setHoliday(i, { end: e.currentTarget.value })} />
                  <TextInput label="Name" required value={h.name} style={{ flex: 1 }} onChange={(e) => setHoliday(i, { name: e.currentTarget.value })} />
                  <ActionIcon variant="subtle" color="red" size="lg" aria-label={`Remove holiday ${i + 1}`}
                    onClick={() => setHolidays(holidays.filter((_, j) => j !== i))}><IconTrash size={16} aria-hidden /></ActionIcon>
                </Group>
              ))}
              {errors.fields.holidays && <Text size="sm" c="red.8" role="alert">{errors.fields.holidays}</Text>}
              <Group><Button size="compact-sm" variant="light" leftSection={<IconPlus size={14} aria-hidden />}
                onClick={() => setHolidays([...holidays, { start: '', end: '', name: '' }])}>Add holiday</Button></Group>
            </Stack>
          </Fieldset>
          <Switch label="Default calendar (for queues without one)" checked={isDefault} onChange={(e) => setIsDefault(e.currentTarget.checked)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" loading={save.isPending}>Save calendar</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

const URGENCIES: Urgency[] = ['stat', 'asap', 'urgent', 'routine'];
const UNITS = [{ value: 'hours', label: 'business hours' }, { value: 'days', label: 'business days' }];

function SlaPolicies() {
  const policies = useQuery({
    queryKey: ['admin', 'sla-policies'],
    queryFn: async () => unwrap(await api.GET('/v1/sla-policies')) as SlaPolicy[],
  });
  const byUrgency = Object.fromEntries((policies.data ?? []).map((p) => [p.urgency, p]));
  return (
    <Stack gap="sm" component="section" aria-labelledby="sla-policies-heading">
      <div>
        <Title order={2} size="h4" id="sla-policies-heading">SLA targets per urgency</Title>
        <Text c="dimmed" size="sm">From receipt to first contact and to scheduled, in business time. At 75% of a target the referral is at risk; past it, breached. Changes apply to referrals received from now on.</Text>
      </div>
      <QueryState isPending={policies.isPending} error={policies.error} what="SLA policies">
        <Paper withBorder radius="md">
          <ScrollArea>
            <Table verticalSpacing="xs" miw={720} aria-label="SLA targets">
              <Table.Thead>
                <Table.Tr><Table.Th>Urgency</Table.Th><Table.Th>First contact within</Table.Th><Table.Th>Scheduled within</Table.Th><Table.Th>Actions</Table.Th></Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {URGENCIES.filter((u) => byUrgency[u]).map((u) => <PolicyRow key={u} policy={byUrgency[u]} />)}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        </Paper>
      </QueryState>
    </Stack>
  );
}

function PolicyRow({ policy }: { policy: SlaPolicy }) {
  const queryClient = useQueryClient();
  const [first, setFirst] = useState<{ value: number | string; unit: string }>(policy.first_contact);
  const [scheduled, setScheduled] = useState<{ value: number | string; unit: string }>(policy.scheduled);
  const save = useMutation({
    mutationFn: async () => unwrap(await api.PUT('/v1/sla-policies/{urgency}', {
      params: { path: { urgency: policy.urgency } },
      body: {
        first_contact: { value: Number(first.value), unit: first.unit as 'hours' },
        scheduled: { value: Number(scheduled.value), unit: scheduled.unit as 'hours' },
      },
    })),
    onSuccess: () => {
      notifications.show({ color: 'teal', message: `${humanize(policy.urgency)} targets saved.` });
      queryClient.invalidateQueries({ queryKey: ['admin', 'sla-policies'] });
    },
  });
  const errors = fieldErrors(save.error, ['first_contact', 'scheduled']);
  const label = humanize(policy.urgency);
  const target = (which: string, t: { value: number | string; unit: string }, set: (t: { value: number | string; unit: string }) => void, error?: string) => (
    <Stack gap={2}>
      <Group gap={4} wrap="nowrap">
        <NumberInput aria-label={`${label}: ${which} target`} min={1} max={1000} w={90} value={t.value} onChange={(value) => set({ ...t, value })} error={!!error} />
        <Select aria-label={`${label}: ${which} unit`} data={UNITS} w={150} value={t.unit} allowDeselect={false}
          onChange={(unit) => unit && set({ ...t, unit })} comboboxProps={{ withinPortal: false }} />
      </Group>
      {error && <Text size="xs" c="red.8" role="alert">{error}</Text>}
    </Stack>
  );
  return (
    <Table.Tr data-urgency={policy.urgency}>
      <Table.Td><Group gap={6}><Text size="sm" fw={500}>{label}</Text>{policy.is_default && <Badge size="xs" variant="light" color="gray">Default</Badge>}</Group></Table.Td>
      <Table.Td>{target('first contact', first, setFirst, errors.fields.first_contact)}</Table.Td>
      <Table.Td>{target('scheduled', scheduled, setScheduled, errors.fields.scheduled)}</Table.Td>
      <Table.Td>
        <Button size="compact-sm" variant="light" loading={save.isPending} onClick={() => save.mutate()} aria-label={`Save ${label} targets`}>Save</Button>
        {errors.general.map((g) => <Text key={g} size="xs" c="red.8" role="alert">{g}</Text>)}
      </Table.Td>
    </Table.Tr>
  );
}
