import { useState } from 'react';
import { Anchor, Button, Group, Paper, SegmentedControl, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDownload } from '@tabler/icons-react';
import { BarChart, LineChart } from '@mantine/charts';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { api, unwrap } from '../api/client';
import type { Summary } from '../api/contracts';
import { DashboardFilterBar, filtersFromParams, filtersToQuery } from '../components/DashboardFilters';
import { downloadSummaryCsv } from '../lib/download';
import { QueryState } from '../components/QueryState';
import { ReminderChannels } from '../components/ReminderChannels';
import { SlaAttainment } from '../components/SlaAttainment';
import { num, pct } from '../lib/format';
import { humanize, STATUS_LABEL } from '../lib/lifecycle';
import { periodFromParams, periodToQuery, type Preset } from '../lib/period';

function Kpi({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <Paper withBorder p="md" radius="md" role="group" aria-label={label}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>{label}</Text>
      <Text fw={700} fz={28} lh={1.2}>{value}</Text>
      {hint && <Text size="xs" c="dimmed">{hint}</Text>}
    </Paper>
  );
}

function bucketLabel(iso: string, groupBy: 'week' | 'month'): string {
  const d = new Date(iso);
  return groupBy === 'month'
    ? d.toLocaleDateString(undefined, { month: 'short', year: '2-digit', timeZone: 'UTC' })
    : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

function ChartCard({ title, summary, children }: { title: string; summary: string; children: React.ReactNode }) {
  return (
    <Paper withBorder p="md" radius="md" component="figure" m={0} aria-label={`${title}: ${summary}`}>
      <Text fw={600} mb="sm" component="figcaption">{title}</Text>
      {children}
    </Paper>
  );
}

export function DashboardPage() {
  const [params, setParams] = useSearchParams();
  const period = periodFromParams(params);
  const filters = filtersFromParams(params);
  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) if (v) next.set(k, v); else next.delete(k);
    setParams(next, { replace: true });
  };

  const query = { ...periodToQuery(period), ...filtersToQuery(filters) };
  const [exporting, setExporting] = useState(false);
  const exportCsv = async () => {
    setExporting(true);
    try {
      await downloadSummaryCsv(query);
    } catch (error) {
      notifications.show({ color: 'red', title: 'Export failed', message: (error as Error).message });
    } finally {
      setExporting(false);
    }
  };
  const summary = useQuery({
    queryKey: ['analytics', query],
    queryFn: async () => unwrap(await api.GET('/v1/analytics/summary', { params: { query } })) as Summary,
    retry: false,
  });
  const s = summary.data;
  const t = s?.totals;
  const series = (s?.series ?? []).map((b) => ({
    period: bucketLabel(b.start, period.groupBy),
    Volume: b.volume,
    'Conversion %': b.conversion.rate == null ? null : +(b.conversion.rate * 100).toFixed(1),
    'Leakage %': b.leakage.rate == null ? null : +(b.leakage.rate * 100).toFixed(1),
    'Median days to appointment': b.time_to_appointment_days.median == null ? null : +b.time_to_appointment_days.median.toFixed(1),
  }));
  // Each bucket's referrals by where they ended up (DESIGN.md: conversion = reached completed, leakage =
  // cancelled, decline = declined); the rest are still open.
  const outcomes = (s?.series ?? []).map((b) => ({
    period: bucketLabel(b.start, period.groupBy),
    Seen: b.conversion.count,
    Leaked: b.leakage.count,
    Declined: b.decline.count,
    Open: Math.max(0, b.volume - b.conversion.count - b.leakage.count - b.decline.count),
  }));
  const outcomeTotals = t ? `${t.conversion.count} seen, ${t.leakage.count} leaked, ${t.decline.count} declined, `
    + `${Math.max(0, t.volume - t.conversion.count - t.leakage.count - t.decline.count)} open` : '';
  const reasons = (t?.leakage_reasons ?? []).filter((r) => r.count > 0).map((r) => ({ reason: humanize(r.reason), Referrals: r.count }));

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Title order={1} size="h2">Dashboard</Title>
        <Group gap="sm" align="flex-end">
        <Button variant="default" leftSection={<IconDownload size={16} aria-hidden />} onClick={exportCsv} loading={exporting}>Export CSV</Button>
        <SegmentedControl
          aria-label="Period"
          value={period.preset}
          onChange={(v) => {
            const p = v as Preset;
            if (p === 'custom') update({ period: 'custom', from: period.from, to: period.to });
            else update({ period: p, from: null, to: null, group: null });
          }}
          data={[
            { value: '30d', label: '30 days' },
            { value: '90d', label: '90 days' },
            { value: '12m', label: '12 months' },
            { value: 'custom', label: 'Custom' },
          ]}
        />
        </Group>
      </Group>
      <Group gap="sm" align="flex-end" wrap="wrap" role="search" aria-label="Dashboard filters">
        {period.preset === 'custom' && (
          <>
            <TextInput label="From" type="date" value={period.from} onChange={(e) => update({ from: e.currentTarget.value })} w={160} />
            <TextInput label="To" type="date" value={period.to} onChange={(e) => update({ to: e.currentTarget.value })} w={160} />
          </>
        )}
        <div>
          <Text size="sm" fw={500} mb={2} id="group-label">Group by</Text>
          <SegmentedControl
            aria-labelledby="group-label"
            value={period.groupBy}
            onChange={(v) => update({ group: v })}
            data={[{ value: 'week', label: 'Week' }, { value: 'month', label: 'Month' }]}
          />
        </div>
      </Group>
      <DashboardFilterBar value={filters} onChange={update} />
      <Text size="xs" c="dimmed">
        Referrals received {period.from} to {period.to} (UTC), grouped by {period.groupBy}.
      </Text>
      <QueryState isPending={summary.isPending} error={summary.error} what="analytics">
        {s && t && (
          <Stack gap="md">
            <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="sm">
              <Kpi label="Volume" value={String(t.volume)} hint="referrals received" />
              <Kpi label="Conversion" value={pct(t.conversion.rate)} hint={`${t.conversion.count} of ${t.conversion.of} seen`} />
              <Kpi label="Leakage" value={pct(t.leakage.rate)} hint={`${t.leakage.count} cancelled`} />
              <Kpi label="Days to appointment" value={num(t.time_to_appointment_days.median)} hint={`median · p90 ${num(t.time_to_appointment_days.p90)}`} />
              <Kpi label="Hours to first contact" value={num(t.time_to_first_contact_hours.median)} hint={`median · p90 ${num(t.time_to_first_contact_hours.p90)}`} />
              <Kpi label="No-show rate" value={pct(t.no_show.rate)} hint={`${t.no_show.count} of ${t.no_show.of} appointments`} />
            </SimpleGrid>
            <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
              <ChartCard title={`Volume by ${period.groupBy}`} summary={`${t.volume} referrals in ${series.length} ${period.groupBy}s`}>
                <BarChart h={220} data={series} dataKey="period" series={[{ name: 'Volume', color: 'indigo.6' }]} tickLine="y" />
              </ChartCard>
              <ChartCard title={`Referrals by ${period.groupBy} by outcome`} summary={outcomeTotals}>
                <BarChart h={220} data={outcomes} dataKey="period" type="stacked" tickLine="y" withLegend
                  series={[{ name: 'Seen', color: 'teal.6' }, { name: 'Open', color: 'indigo.4' },
                    { name: 'Declined', color: 'gray.6' }, { name: 'Leaked', color: 'orange.6' }]} />
              </ChartCard>
              <ChartCard title="Conversion and leakage over time" summary={`conversion ${pct(t.conversion.rate)}, leakage ${pct(t.leakage.rate)}`}>
                <LineChart h={220} data={series} dataKey="period" unit="%" connectNulls
                  series={[{ name: 'Conversion %', color: 'teal.6' }, { name: 'Leakage %', color: 'orange.6' }]} withLegend />
              </ChartCard>
              <ChartCard title="Time to appointment (median days)" summary={`median ${num(t.time_to_appointment_days.median)} days`}>
                <LineChart h={220} data={series} dataKey="period" connectNulls series={[{ name: 'Median days to appointment', color: 'violet.6' }]} />
              </ChartCard>
              <ChartCard title="Leakage by reason" summary={reasons.map((r) => `${r.reason} ${r.Referrals}`).join(', ') || 'no leakage'}>
                {reasons.length ? (
                  <BarChart h={220} data={reasons} dataKey="reason" orientation="vertical" yAxisProps={{ width: 130 }} series={[{ name: 'Referrals', color: 'orange.6' }]} />
                ) : (
                  <Text size="sm" c="dimmed">No referrals leaked in this period.</Text>
                )}
              </ChartCard>
            </SimpleGrid>
            <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
              <Paper withBorder p="md" radius="md" component="section" aria-labelledby="status-heading">
                <Title order={2} size="h4" id="status-heading" mb="sm">Where they are now</Title>
                <Table verticalSpacing={4}>
                  <Table.Tbody>
                    {s.status_counts.map((c) => (
                      <Table.Tr key={c.status}><Table.Td>{STATUS_LABEL[c.status]}</Table.Td><Table.Td ta="right">{c.count}</Table.Td></Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Paper>
              <Paper withBorder p="md" radius="md" component="section" aria-labelledby="referrers-heading">
                <Title order={2} size="h4" id="referrers-heading" mb="sm">Top referrers</Title>
                <Table verticalSpacing={4}>
                  <Table.Thead><Table.Tr><Table.Th>Provider</Table.Th><Table.Th>Practice</Table.Th><Table.Th ta="right">Referrals</Table.Th><Table.Th ta="right">Conversion</Table.Th></Table.Tr></Table.Thead>
                  <Table.Tbody>
                    {s.top_referrers.map((r) => (
                      <Table.Tr key={r.referring_provider_id}>
                        <Table.Td>
                          <Anchor component={Link} to={`/providers/${r.referring_provider_id}`} size="sm">{r.name ?? 'Unknown provider'}</Anchor>
                          {r.npi && <Text size="xs" c="dimmed">NPI {r.npi}</Text>}
                        </Table.Td>
                        <Table.Td><Text size="sm">{r.practice_name ?? '—'}</Text></Table.Td>
                        <Table.Td ta="right">{r.volume}</Table.Td>
                        <Table.Td ta="right">{pct(r.conversion.rate)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                {s.top_referrers.length === 0 && <Text size="sm" c="dimmed">No referrals with a referring provider.</Text>}
              </Paper>
            </SimpleGrid>
            <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
              <SlaAttainment rows={s.sla ?? []} />
              <ReminderChannels rows={s.reminder_channels ?? []} />
            </SimpleGrid>
          </Stack>
        )}
      </QueryState>
    </Stack>
  );
}
