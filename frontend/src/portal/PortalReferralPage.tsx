// One referral as its practice sees it: status, appointment, visit summary, timeline, documents, the thread.
import { Alert, Anchor, Grid, Group, List, Paper, Stack, Text, Timeline, Title } from '@mantine/core';
import { Link, useParams } from 'react-router-dom';
import { useReferralDetail } from '../api/hooks';
import type { PortalEvent } from '../api/contracts';
import { StatusBadge } from '../components/StatusBadge';
import { DocumentsPanel } from '../components/referral/DocumentsPanel';
import { MessageThread } from '../components/referral/MessageThread';
import { formatDate, formatDateTime } from '../lib/format';
import { humanize, STATUS_LABEL } from '../lib/lifecycle';
import { closureNote, currentAppointment, usePortalEvents } from './queries';

export function eventWords(e: PortalEvent): string {
  if (e.kind === 'created') return 'Referral received';
  if (e.kind === 'appointment') {
    const when = e.appointment_start ? formatDateTime(e.appointment_start) : '';
    return e.reason === 'booked' || !e.reason ? `Appointment booked for ${when}` : `Appointment ${humanize(e.reason)} (${when})`;
  }
  return e.to_status ? `${STATUS_LABEL[e.to_status]}${e.reason ? `: ${humanize(e.reason)}` : ''}` : humanize(e.kind);
}

export function PortalReferralPage() {
  const { id = '' } = useParams();
  const referral = useReferralDetail(id, { retry: false });
  const events = usePortalEvents(id);
  if (referral.error) {
    return <Alert color="red" role="alert">This referral could not be found among your practice's referrals.</Alert>;
  }
  const r = referral.data;
  if (!r) return <Text c="dimmed">Loading…</Text>;
  const appointment = currentAppointment(events.data);
  const summary = closureNote(events.data);
  const missing = r.status === 'needs_info' ? r.info_request?.missing ?? [] : [];
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/portal/referrals" size="sm">Back to your referrals</Anchor>
      <Group gap="sm">
        <Title order={2}>{r.patient.given_name} {r.patient.family_name}</Title>
        <StatusBadge status={r.status} />
      </Group>
      <Text size="sm" c="dimmed">{humanize(r.service_line)}, {humanize(r.urgency)}, sent {formatDate(r.received_at)}</Text>
      {missing.length > 0 && (
        <Alert color="yellow" title="The intake team needs more information" role="status">
          <List size="sm" aria-label="Missing items">{missing.map((m) => <List.Item key={m}>{m}</List.Item>)}</List>
          <Text size="sm" mt={4}>Upload what is missing below, or answer in the messages.</Text>
        </Alert>
      )}
      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Stack gap="md">
            <Paper withBorder p="md" component="section" aria-labelledby="appointment-heading">
              <Title order={3} size="h4" id="appointment-heading">Appointment</Title>
              <Text size="sm" mt={4} data-testid="portal-appointment">{appointment ? formatDateTime(appointment) : events.isPending ? 'Loading…' : 'Not booked yet.'}</Text>
              {summary && (
                <>
                  <Title order={4} size="h5" mt="sm">Visit summary</Title>
                  <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>{summary.note}</Text>
                </>
              )}
            </Paper>
            <DocumentsPanel referralId={id} canUpload />
            <MessageThread referralId={id} side="practice" />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Paper withBorder p="md" component="section" aria-labelledby="timeline-heading">
            <Title order={3} size="h4" id="timeline-heading" mb="sm">Timeline</Title>
            <Timeline bulletSize={12} lineWidth={2} aria-label="Timeline">
              {(events.data ?? []).map((e) => (
                <Timeline.Item key={e.id} title={eventWords(e)}>
                  <Text size="xs" c="dimmed">{formatDateTime(e.at)}</Text>
                  {e.missing_items && <Text size="sm">Asked for: {e.missing_items.join(', ')}</Text>}
                  {e.note && <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>{e.note}</Text>}
                </Timeline.Item>
              ))}
            </Timeline>
          </Paper>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
