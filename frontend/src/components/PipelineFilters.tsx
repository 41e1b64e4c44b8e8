import { Button, Checkbox, Group, MultiSelect, Select, TextInput } from '@mantine/core';
import type { PipelineFilters as Filters } from '../lib/filters';
import { EMPTY_FILTERS, URGENCIES, activeFilterCount } from '../lib/filters';
import { STATUSES, STATUS_LABEL, humanize } from '../lib/lifecycle';
import { providerName, useColleagues, useProviders, useUsers } from '../api/hooks';
import { serviceLineOptions, useServiceLines } from '../api/reference';

export function PipelineFilters({ value, onChange, meId }: { value: Filters; onChange: (f: Filters) => void; meId?: string }) {
  const serviceLines = useServiceLines();
  const providers = useProviders({ limit: 200 });
  const users = useUsers();
  const colleagues = useColleagues();
  const referrerOptions = (providers.data?.items ?? []).map((p) => ({ value: p.id, label: providerName(p) }));
  if (value.referrer && !referrerOptions.some((o) => o.value === value.referrer)) {
    referrerOptions.unshift({ value: value.referrer, label: 'Selected referrer' });
  }
  const assigneeOptions = [
    { value: 'me', label: 'Assigned to me' },
    ...(users.data?.items ?? colleagues.data?.items ?? []).filter((u) => u.id !== meId).map((u) => ({ value: u.id, label: u.full_name })),
  ];

  return (
    <Group align="flex-end" gap="sm" wrap="wrap" role="search" aria-label="Filter referrals">
      <MultiSelect
        label="Status"
        placeholder={value.status.length ? undefined : 'Any'}
        data={STATUSES.map((s) => ({ value: s, label: STATUS_LABEL[s] }))}
        value={value.status}
        onChange={(v) => onChange({ ...value, status: v as Filters['status'] })}
        clearable
        w={200}
      />
      <MultiSelect
        label="Urgency"
        placeholder={value.urgency.length ? undefined : 'Any'}
        data={URGENCIES.map((u) => ({ value: u, label: humanize(u) }))}
        value={value.urgency}
        onChange={(v) => onChange({ ...value, urgency: v as Filters['urgency'] })}
        clearable
        w={170}
      />
      <Select
        label="Service line"
        placeholder="Any"
        data={serviceLineOptions(serviceLines.data, [value.serviceLine])}
        value={value.serviceLine || null}
        onChange={(v) => onChange({ ...value, serviceLine: v ?? '' })}
        searchable
        clearable
        w={180}
      />
      <Select
        label="Referrer"
        placeholder={providers.isError ? 'Directory unavailable' : 'Any'}
        data={referrerOptions}
        value={value.referrer || null}
        onChange={(v) => onChange({ ...value, referrer: v ?? '' })}
        searchable
        clearable
        disabled={providers.isError && !value.referrer}
        w={200}
      />
      <Select
        label="Assignee"
        placeholder="Anyone"
        data={assigneeOptions}
        value={value.assignee || null}
        onChange={(v) => onChange({ ...value, assignee: v ?? '' })}
        clearable
        w={170}
      />
      <TextInput
        label="Received from"
        type="date"
        value={value.from}
        onChange={(e) => onChange({ ...value, from: e.currentTarget.value })}
        w={150}
      />
      <TextInput
        label="Received to"
        type="date"
        value={value.to}
        onChange={(e) => onChange({ ...value, to: e.currentTarget.value })}
        w={150}
      />
      <Checkbox
        label="Possible duplicates"
        checked={Boolean(value.duplicates)}
        onChange={(e) => onChange({ ...value, duplicates: e.currentTarget.checked || undefined })}
        mb={8}
      />
      {activeFilterCount(value) > 0 && (
        <Button variant="subtle" onClick={() => onChange(EMPTY_FILTERS)}>Clear filters</Button>
      )}
    </Group>
  );
}
