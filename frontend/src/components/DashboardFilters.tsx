// The dashboard's filters, all kept in the address. Choices come from the directory and the reference lists.
import { useState } from 'react';
import { Group, MultiSelect, Select, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import type { Page, Urgency } from '../api/contracts';
import { providerName, useProvider, useProviders } from '../api/hooks';
import { serviceLineOptions, usePayerClasses, useServiceLines } from '../api/reference';
import { URGENCIES } from '../lib/filters';
import { humanize } from '../lib/lifecycle';

export const SOURCE_CHANNELS: Record<string, string> = {
  fhir: 'EHR (FHIR)', partner_api: 'Partner API', staff: 'Keyed in by staff', fax: 'Fax', phone: 'Phone', email: 'Email',
};

type PayerClass = 'commercial' | 'medicare' | 'medicaid' | 'tricare' | 'workers_comp' | 'self_pay' | 'other';
type Channel = 'fhir' | 'partner_api' | 'staff' | 'fax' | 'phone' | 'email';

export interface DashboardFilters {
  referrer: string;
  organization: string;
  serviceLines: string[];
  location: string;
  payerClasses: PayerClass[];
  channels: Channel[];
  urgency: Urgency[];
}

const list = (v: string | null) => (v ?? '').split(',').filter(Boolean);

export function filtersFromParams(params: URLSearchParams): DashboardFilters {
  return {
    referrer: params.get('referrer') ?? '',
    organization: params.get('organization') ?? '',
    serviceLines: list(params.get('service_line')),
    location: params.get('location') ?? '',
    payerClasses: list(params.get('payer_class')) as PayerClass[],
    channels: list(params.get('channel')) as Channel[],
    urgency: list(params.get('urgency')) as Urgency[],
  };
}

/** The analytics summary's query parameters for these filters (the CSV export takes the same). */
export function filtersToQuery(f: DashboardFilters) {
  const many = <T,>(v: T[]) => (v.length ? v : undefined);
  return {
    referring_provider_id: f.referrer ? [f.referrer] : undefined,
    referring_organization_id: f.organization ? [f.organization] : undefined,
    service_line: many(f.serviceLines),
    location: f.location.trim() ? [f.location.trim()] : undefined,
    payer_class: many(f.payerClasses),
    source_channel: many(f.channels),
    urgency: many(f.urgency),
  };
}

function ReferrerSelect({ value, onChange }: { value: string; onChange: (v: string | null) => void }) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const selected = useProvider(value || null);
  const selectedLabel = selected.data ? providerName(selected.data) : '';
  // While the box shows the chosen name, list everyone rather than only that name.
  const name = debounced && debounced !== selectedLabel ? debounced : undefined;
  const providers = useProviders({ name, limit: 50 });
  const options = (providers.data?.items ?? []).map((p) => ({ value: p.id, label: providerName(p), npi: p.npi }));
  if (value && !options.some((o) => o.value === value)) {
    options.unshift({ value, label: selectedLabel || 'Selected referrer', npi: selected.data?.npi ?? null });
  }
  return (
    <Select
      label="Referrer"
      placeholder="All"
      data={options.map((o) => ({ value: o.value, label: o.npi ? `${o.label} · NPI ${o.npi}` : o.label }))}
      value={value || null}
      onChange={onChange}
      searchable
      clearable
      onSearchChange={setSearch}
      nothingFoundMessage={providers.isPending ? 'Searching…' : 'No provider by that name'}
      filter={({ options: o }) => o}
      w={280}
    />
  );
}

function OrganizationSelect({ value, onChange }: { value: string; onChange: (v: string | null) => void }) {
  const organizations = useQuery({
    queryKey: ['organizations', 'practices'],
    queryFn: async () => unwrap(await api.GET('/v1/organizations', { params: { query: { internal: false, limit: 200 } } })) as Page<{ id: string; name: string }>,
    staleTime: 300_000,
  });
  return (
    <Select
      label="Organization"
      placeholder="All"
      data={(organizations.data?.items ?? []).map((o) => ({ value: o.id, label: o.name }))}
      value={value || null}
      onChange={onChange}
      searchable
      clearable
      w={240}
    />
  );
}

export function DashboardFilterBar({ value, onChange }: { value: DashboardFilters; onChange: (changes: Record<string, string | null>) => void }) {
  const serviceLines = useServiceLines();
  const payerClasses = usePayerClasses();
  const join = (v: string[]) => v.join(',') || null;
  return (
    <Group gap="sm" align="flex-end" wrap="wrap" role="search" aria-label="Dashboard filters">
      <ReferrerSelect value={value.referrer} onChange={(v) => onChange({ referrer: v })} />
      <OrganizationSelect value={value.organization} onChange={(v) => onChange({ organization: v })} />
      <MultiSelect label="Service line" placeholder={value.serviceLines.length ? undefined : 'All'} data={serviceLineOptions(serviceLines.data, value.serviceLines)}
        value={value.serviceLines} onChange={(v) => onChange({ service_line: join(v) })} searchable clearable w={220} />
      <TextInput label="Location" placeholder="All" defaultValue={value.location} key={value.location} w={160}
        onBlur={(e) => onChange({ location: e.currentTarget.value.trim() || null })}
        onKeyDown={(e) => { if (e.key === 'Enter') onChange({ location: e.currentTarget.value.trim() || null }); }} />
      <MultiSelect label="Payer class" placeholder={value.payerClasses.length ? undefined : 'All'}
        data={(payerClasses.data ?? []).map((c) => ({ value: c.key, label: c.display }))}
        value={value.payerClasses} onChange={(v) => onChange({ payer_class: join(v) })} clearable w={300} />
      <MultiSelect label="Channel" placeholder={value.channels.length ? undefined : 'All'}
        data={Object.entries(SOURCE_CHANNELS).map(([k, label]) => ({ value: k, label }))}
        value={value.channels} onChange={(v) => onChange({ channel: join(v) })} clearable w={270} />
      <MultiSelect label="Urgency" placeholder={value.urgency.length ? undefined : 'All'} data={URGENCIES.map((u) => ({ value: u, label: humanize(u) }))}
        value={value.urgency} onChange={(v) => onChange({ urgency: join(v) })} clearable w={180} />
    </Group>
  );
}
