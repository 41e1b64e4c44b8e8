import { useState } from 'react';
import { Alert, Anchor, Badge, Group, Paper, Select, SimpleGrid, Stack, Switch, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';
import { api, unwrap } from '../api/client';
import type { Organization } from '../api/contracts';
import { usePracticeReport } from '../api/relationships';
import { useAuth } from '../auth/AuthContext';
import { PortalUsersPanel } from '../components/PortalUsersPanel';
import { QueryState } from '../components/QueryState';
import { problemText } from './admin/shared';

const CHANNEL_WORDS: Record<string, string> = {
  email: 'Sent by email, to the practice\'s email address on file.',
  sms: 'Sent by text message, as the practice prefers.',
  none: 'Cannot be sent: the practice has no email address or text number on file.',
};

// Roles the API lets change the opt-out and the organization (api/permissions.py).
const CAN_EDIT = ['admin', 'liaison'];
const METHODS = [
  { value: 'email', label: 'Email' }, { value: 'sms', label: 'Text message' }, { value: 'phone', label: 'Phone' },
  { value: 'fax', label: 'Fax' }, { value: 'direct', label: 'Direct secure messaging' }, { value: 'portal', label: 'Portal' },
  { value: 'fhir', label: 'FHIR' },
];

function PreferredContact({ organization }: { organization: Organization }) {
  const client = useQueryClient();
  const change = useMutation({
    mutationFn: async (method: string | null) => unwrap(await api.PATCH('/v1/organizations/{organization_id}', {
      params: { path: { organization_id: organization.id }, header: { 'If-Match': `"${organization.version}"` } },
      body: { preferred_contact_method: method as Organization['preferred_contact_method'] },
    })),
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ['organization', organization.id] });
      client.invalidateQueries({ queryKey: ['practice-report', organization.id] });
    },
  });
  return (
    <Stack gap={4}>
      <Select label="Preferred contact" w={260} data={METHODS} value={organization.preferred_contact_method ?? null}
        onChange={(v) => change.mutate(v)} clearable placeholder="Not set" disabled={change.isPending} />
      {change.error && <Alert color="red" role="alert">{problemText(change.error)}</Alert>}
    </Stack>
  );
}

/** The last twelve months, newest first, as YYYY-MM (UTC, like the report). */
function recentMonths(): { value: string; label: string }[] {
  const now = new Date();
  return Array.from({ length: 12 }, (_, i) => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1 - i, 1));
    return {
      value: d.toISOString().slice(0, 7),
      label: d.toLocaleDateString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }),
    };
  });
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <Paper withBorder p="sm" radius="md" role="group" aria-label={label}>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text fw={600} size="lg">{value}</Text>
    </Paper>
  );
}

function OptOut({ organization }: { organization: Organization }) {
  const client = useQueryClient();
  const change = useMutation({
    mutationFn: async (optedOut: boolean) => unwrap(await api.PUT('/v1/referring-organizations/{organization_id}/monthly-report/opt-out', {
      params: { path: { organization_id: organization.id } }, body: { opted_out: optedOut },
    })),
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ['organization', organization.id] });
      client.invalidateQueries({ queryKey: ['practice-report', organization.id] });
    },
  });
  return (
    <Stack gap={4}>
      <Switch
        label="Send the monthly report"
        description="On the first business day of each month, by the practice's preferred channel, when it sent referrals the month before."
        checked={!organization.monthly_report_opt_out}
        disabled={change.isPending}
        onChange={(e) => change.mutate(!e.currentTarget.checked)}
      />
      {change.error && <Alert color="red" role="alert">{problemText(change.error)}</Alert>}
    </Stack>
  );
}

export function PracticePage() {
  const { id = '' } = useParams();
  const { me } = useAuth();
  const months = recentMonths();
  const [month, setMonth] = useState<string | null>(months[0].value);
  const organization = useQuery({
    queryKey: ['organization', id],
    queryFn: async () => unwrap(await api.GET('/v1/organizations/{organization_id}', { params: { path: { organization_id: id } } })) as Organization,
    retry: false,
  });
  const report = usePracticeReport(id, month);
  const o = organization.data;
  const r = report.data;
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/referrers" size="sm">← Referrers</Anchor>
      <QueryState isPending={organization.isPending} error={organization.error} what="practice">
        {o && (
          <Stack gap="md">
            <Group gap="sm" align="center">
              <Title order={1} size="h2">{o.name}</Title>
              {o.monthly_report_opt_out
                ? <Badge color="gray" variant="filled">Opted out of the monthly report</Badge>
                : <Badge color="teal" variant="light">Receives the monthly report</Badge>}
            </Group>
            {me && CAN_EDIT.includes(me.role) ? <PreferredContact organization={o} />
              : <Text size="sm">Preferred contact: {METHODS.find((m) => m.value === o.preferred_contact_method)?.label ?? 'not set'}</Text>}
            <Text size="sm" c="dimmed">
              {(o.contact_points ?? []).map((c) => `${c.system}: ${c.value}`).join(' · ') || 'No contact details on file.'}
            </Text>
            <Paper withBorder p="md" radius="md" component="section" aria-labelledby="report-heading">
              <Stack gap="sm">
                <Group justify="space-between" align="end">
                  <Title order={2} size="h4" id="report-heading">Monthly report</Title>
                  <Select label="Month" data={months} value={month} onChange={setMonth} allowDeselect={false} w={200} />
                </Group>
                {me && CAN_EDIT.includes(me.role) ? <OptOut organization={o} />
                  : <Text size="sm">{o.monthly_report_opt_out ? 'This practice opted out of the monthly report.' : 'This practice receives the monthly report.'}</Text>}
                <QueryState isPending={report.isPending} error={report.error} what="report preview">
                  {r && (
                    <Stack gap="sm">
                      <SimpleGrid cols={{ base: 2, md: 4 }}>
                        <Figure label="Referrals sent" value={String(r.referrals_sent)} />
                        <Figure label="Patients seen" value={String(r.patients_seen)} />
                        <Figure label="Median wait to appointment"
                          value={r.median_days_to_appointment == null ? '—' : `${r.median_days_to_appointment.toFixed(1)} days`} />
                        <Figure label="Visit summaries sent" value={String(r.loop_closure_notes_sent)} />
                      </SimpleGrid>
                      <Text size="sm" aria-label="Report text">{r.text}</Text>
                      {r.opted_out ? <Text size="sm" c="dimmed">Not sent: the practice opted out.</Text>
                        : <Text size="sm" c={r.channel ? 'dimmed' : 'red.8'}>{CHANNEL_WORDS[r.channel ?? 'none']}</Text>}
                    </Stack>
                  )}
                </QueryState>
              </Stack>
            </Paper>
            {me && ['admin', 'liaison'].includes(me.role) && <PortalUsersPanel organizationId={o.id} canInvite={me.role === 'admin'} />}
          </Stack>
        )}
      </QueryState>
    </Stack>
  );
}
