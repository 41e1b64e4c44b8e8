import { useState } from 'react';
import { Alert, Anchor, Badge, Divider, Grid, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';
import { api, ProblemError, unwrap } from '../api/client';
import type { Appointment, Message, Page, Referral, ReferralEvent, Task } from '../api/contracts';
import { providerName, useColleagues, useProvider, useReferralDetail, useUsers } from '../api/hooks';
import { listTasks, updateTask } from '../api/tasks';
import { QueryState } from '../components/QueryState';
import { StatusBadge, UrgencyBadge } from '../components/StatusBadge';
import { TaskRow } from '../components/TaskRow';
import { AppointmentList, BookAppointmentModal, PanelTitle } from '../components/referral/AppointmentsPanel';
import { DuplicatesPanel } from '../components/referral/DuplicatesPanel';
import { MoveButtons, type MoveRequest } from '../components/referral/MoveButtons';
import { PatientBlock } from '../components/referral/PatientBlock';
import { WorkPanel } from '../components/referral/WorkPanel';
import { Timeline } from '../components/referral/Timeline';
import { DocumentsPanel } from '../components/referral/DocumentsPanel';
import { MessageThread } from '../components/referral/MessageThread';
import { SlaPanel } from '../components/referral/SlaPanel';
import { MessageDrawer } from '../components/outreach/MessageDrawer';
import { MessageTable } from '../components/outreach/MessageTable';
import { formatDateTime } from '../lib/format';
import { humanize, STATUS_LABEL } from '../lib/lifecycle';
import { firstContactOverdue } from '../lib/overdue';
import { canMoveReferrals } from '../lib/roles';
import { useAuth } from '../auth/AuthContext';

function Info({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text size="sm" component="div">{children}</Text>
    </div>
  );
}

function errorText(error: unknown): string {
  if (error instanceof ProblemError) {
    const allowed = error.problem.allowed;
    if (error.status === 409 && allowed) {
      return `${error.message} Allowed now: ${allowed.length ? allowed.map((s) => humanize(s)).join(', ') : 'none'}.`;
    }
    return error.message;
  }
  return (error as Error)?.message ?? 'Something went wrong.';
}

export function ReferralPage() {
  const { id = '' } = useParams();
  const queryClient = useQueryClient();
  const { me } = useAuth();
  const [revealed, setRevealed] = useState<Referral['patient'] | null>(null);
  const [booking, setBooking] = useState(false);

  const referral = useReferralDetail(id);
  const events = useQuery({
    queryKey: ['referral', id, 'events'],
    queryFn: async () => unwrap(await api.GET('/v1/referrals/{referral_id}/events', {
      params: { path: { referral_id: id }, query: { limit: 200 } },
    })) as Page<ReferralEvent>,
  });
  const appointments = useQuery({
    queryKey: ['referral', id, 'appointments'],
    queryFn: async () => unwrap(await api.GET('/v1/appointments', { params: { query: { referral_id: id, limit: 50 } } })) as Page<Appointment>,
  });
  const tasks = useQuery({ queryKey: ['tasks', { referral_id: id }], queryFn: () => listTasks({ referral_id: id, limit: 50 }), retry: false });
  const messages = useQuery({
    queryKey: ['referral', id, 'messages'],
    queryFn: async () => unwrap(await api.GET('/v1/messages', { params: { query: { referral_id: id, limit: 50 } } })) as Page<Message>,
    retry: false,
  });
  const users = useUsers();
  const colleagues = useColleagues();
  const referrer = useProvider(referral.data?.referring_provider_id);

  const refresh = () => queryClient.invalidateQueries({ predicate: (q) => ['referral', 'referrals', 'tasks'].includes(q.queryKey[0] as string) });

  const reveal = useMutation({
    // Asking with reveal=true is audited as `referral.reveal`, apart from ordinary reads.
    mutationFn: async () => unwrap(await api.GET('/v1/referrals/{referral_id}', {
      params: { path: { referral_id: id }, query: { reveal: true } },
    })) as Referral,
    onSuccess: (r) => setRevealed(r.patient),
  });

  const move = useMutation({
    mutationFn: async (m: MoveRequest) => {
      const current = referral.data!;
      const booked = (appointments.data?.items ?? []).find((a) => a.status === 'booked' || a.status === 'arrived');
      if (m.to === 'completed' && current.status === 'scheduled' && booked) {
        // Seeing the patient is the appointment being fulfilled; that completes the referral too.
        return unwrap(await api.PATCH('/v1/appointments/{appointment_id}', {
          params: { path: { appointment_id: booked.id }, header: { 'If-Match': `"${booked.version}"` } },
          body: { status: 'fulfilled' },
        }));
      }
      return unwrap(await api.POST('/v1/referrals/{referral_id}/transitions', {
        params: { path: { referral_id: id }, header: { 'If-Match': `"${current.version}"` } },
        body: { to: m.to, reason: m.reason ?? null, note: m.note ?? null, missing_items: m.missingItems ?? null },
      }));
    },
    onSuccess: (_data, m) => {
      notifications.show({ color: 'teal', message: `Referral is now ${STATUS_LABEL[m.to].toLowerCase()}.` });
      refresh();
    },
    onError: (error) => {
      notifications.show({ color: 'red', title: 'Move not made', message: errorText(error) });
      refresh();
    },
  });

  const book = useMutation({
    mutationFn: async (input: { start: string; location?: string }) =>
      unwrap(await api.POST('/v1/appointments', { body: { referral_id: id, start: input.start, location: input.location ?? null } })),
    onSuccess: () => {
      setBooking(false);
      notifications.show({ color: 'teal', message: 'Appointment booked; the referral is scheduled.' });
      refresh();
    },
  });

  const taskAction = useMutation({
    mutationFn: ({ task, changes }: { task: Task; changes: Parameters<typeof updateTask>[1] }) => updateTask(task, changes),
    onSuccess: () => refresh(),
    onError: (error) => notifications.show({ color: 'red', title: 'Task not updated', message: errorText(error) }),
  });

  if (referral.isPending || referral.error) {
    return <QueryState isPending={referral.isPending} error={referral.error} what="referral">{null}</QueryState>;
  }
  const r = referral.data;
  const overdueSince = firstContactOverdue(r);
  const names: Record<string, string> = {
    ...Object.fromEntries((colleagues.data?.items ?? []).map((u) => [u.id, u.full_name])),
    ...Object.fromEntries((users.data?.items ?? []).map((u) => [u.id, u.full_name])),
    ...(me ? { [me.id]: `${me.full_name} (you)` } : {}),
  };
  const notStarted = move.error instanceof ProblemError && (move.error.problem.type ?? '').endsWith('/appointment-not-started');

  return (
    <Stack gap="md">
      <Anchor component={Link} to="/referrals" size="sm">← All referrals</Anchor>
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <Stack gap={4}>
          <Title order={1} size="h2">{humanize(r.service_line)} referral</Title>
          <Group gap="xs">
            <StatusBadge status={r.status} />
            <UrgencyBadge urgency={r.urgency} />
            {overdueSince && (
              <Badge color="red">
                Overdue: first contact was due {formatDateTime(overdueSince)}
              </Badge>
            )}
            <Text size="sm" c="dimmed">Received {formatDateTime(r.received_at)}</Text>
          </Group>
        </Stack>
      </Group>
      <DuplicatesPanel referral={r} />

      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="moves-heading">
        <PanelTitle id="moves-heading">Next move</PanelTitle>
        {canMoveReferrals(me?.role) ? (
          <MoveButtons status={r.status} busy={move.isPending} onMove={(m) => move.mutate(m)} onSchedule={() => setBooking(true)} />
        ) : (
          <Text size="sm" c="dimmed">Now {STATUS_LABEL[r.status].toLowerCase()}. Your role can follow this referral but not move it.</Text>
        )}
        {r.status_reason && <Text size="sm" mt="xs" c="dimmed">Last reason: {humanize(r.status_reason)}</Text>}
        <Divider my="sm" />
        <WorkPanel
          referral={r}
          colleagues={colleagues.data}
          canLogContact={canMoveReferrals(me?.role)}
          canAssign={me?.role === 'admin' || me?.role === 'intake'}
          onDone={refresh}
        />
      </Paper>
      <BookAppointmentModal
        opened={booking}
        onClose={() => { setBooking(false); book.reset(); }}
        onBook={(input) => book.mutate(input)}
        busy={book.isPending}
        error={book.error ? errorText(book.error) : null}
      />

      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Stack gap="md">
            <PatientBlock
              patient={r.patient}
              revealed={revealed}
              onReveal={() => reveal.mutate()}
              onHide={() => setRevealed(null)}
              revealing={reveal.isPending}
              error={reveal.error ? errorText(reveal.error) : null}
            />
            <Paper withBorder p="md" radius="md" component="section" aria-labelledby="details-heading">
              <PanelTitle id="details-heading">Referral</PanelTitle>
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                <Info label="Referrer">
                  {r.referring_provider_id
                    ? referrer.data
                      ? <Anchor component={Link} to={`/providers/${r.referring_provider_id}`}>{providerName(referrer.data)}</Anchor>
                      : <Anchor component={Link} to={`/providers/${r.referring_provider_id}`}>View referring provider</Anchor>
                    : 'Not recorded'}
                </Info>
                <Info label="Referral source">{humanize(r.referral_source)} via {humanize(r.source_channel)}</Info>
                <Info label="Specialty">{r.specialty_display ?? r.specialty_code ?? '—'}</Info>
                <Info label="Payer">{[r.payer_name, r.payer_class && humanize(r.payer_class)].filter(Boolean).join(' · ') || '—'}</Info>
                <Info label="Location preference">{r.location_preference ?? '—'}</Info>
                <Info label="Queue / assignee">{r.queue ?? 'No queue'} · {r.assignee_id ? names[r.assignee_id] ?? 'a former colleague' : 'unassigned'}</Info>
              </SimpleGrid>
              <Stack gap={0} mt="sm">
                <Info label="Reason for referral"><Text size="sm" className="timeline-note">{r.reason || '—'}</Text></Info>
              </Stack>
              <Group gap={6} mt="xs" aria-label="Diagnosis codes">
                {r.icd10_codes.length ? r.icd10_codes.map((c) => <Badge key={c} variant="outline">{c}</Badge>) : <Text size="sm" c="dimmed">No ICD-10 codes</Text>}
              </Group>
            </Paper>
            <DocumentsPanel referralId={id} canUpload={canMoveReferrals(me?.role)} />
            {canMoveReferrals(me?.role) && <MessageThread referralId={id} side="intake" />}
            <Paper withBorder p="md" radius="md" component="section" aria-labelledby="appts-heading">
              <PanelTitle id="appts-heading">Appointments</PanelTitle>
              <QueryState isPending={appointments.isPending} error={appointments.error} what="appointments">
                <AppointmentList appointments={appointments.data?.items ?? []} />
              </QueryState>
            </Paper>
            <Paper withBorder p="md" radius="md" component="section" aria-labelledby="tasks-heading">
              <PanelTitle id="tasks-heading">Tasks</PanelTitle>
              <QueryState isPending={tasks.isPending} error={tasks.error} what="tasks">
                <Stack gap="xs">
                  {(tasks.data?.items ?? []).length === 0 && <Text size="sm" c="dimmed">No tasks.</Text>}
                  {(tasks.data?.items ?? []).map((t) => (
                    <TaskRow
                      key={t.id}
                      task={t}
                      users={users.data?.items ?? colleagues.data?.items ?? (me ? [me] : [])}
                      showReferralLink={false}
                      busy={taskAction.isPending}
                      onComplete={(task) => taskAction.mutate({ task, changes: { status: 'done' } })}
                      onReassign={(task, to) => taskAction.mutate({ task, changes: to })}
                    />
                  ))}
                </Stack>
              </QueryState>
            </Paper>
            <Paper withBorder p="md" radius="md" component="section" aria-labelledby="messages-heading">
              <PanelTitle id="messages-heading">Messages</PanelTitle>
              <QueryState isPending={messages.isPending} error={messages.error} what="messages">
                <MessageTable messages={messages.data?.items ?? []} />
              </QueryState>
            </Paper>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <SlaPanel referralId={id} />
          <Paper withBorder p="md" radius="md" component="section" aria-labelledby="timeline-heading">
            <PanelTitle id="timeline-heading">Timeline</PanelTitle>
            <QueryState isPending={events.isPending} error={events.error} what="timeline">
              <Timeline events={events.data?.items ?? []} names={names} />
            </QueryState>
          </Paper>
        </Grid.Col>
      </Grid>
      <MessageDrawer />
      {move.error instanceof ProblemError && move.error.status === 409 && (
        <Alert color="yellow" role="alert" title={notStarted ? 'The appointment has not started yet' : 'The referral had moved on'}>
          {errorText(move.error)}
        </Alert>
      )}
    </Stack>
  );
}
