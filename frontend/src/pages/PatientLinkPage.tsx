// The page behind the link in a patient's booking notice or reminder (/a/<token>): no sign-in, phone-sized.
// It shows the appointment and lets the patient confirm, cancel with a reason, or ask a question.
import { useState, type FormEvent } from 'react';
import { Alert, Button, Center, Container, Group, Loader, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router-dom';
import { api, ProblemError, unwrap } from '../api/client';
import type { PatientLinkView } from '../api/contracts';
import { mapProblemToFields } from '../lib/problems';

type Mode = 'view' | 'cancel' | 'question';

function problemText(error: unknown): string {
  if (error instanceof ProblemError) return error.problem.detail || error.problem.title || `Something went wrong (${error.status}).`;
  return 'Could not reach us. Check your connection and try again.';
}

/** The visit's day and time in the practice's own time zone, as the patient's message said it. */
export function visitTime(start: string, timeZone: string): { day: string; time: string } {
  const when = new Date(start);
  return {
    day: new Intl.DateTimeFormat('en-US', { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric', timeZone }).format(when),
    time: new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone, timeZoneName: 'short' }).format(when),
  };
}

const READABLE_ERRORS = { '--mantine-color-error': 'var(--mantine-color-red-9)' } as React.CSSProperties;

export function PatientLinkPage() {
  const { token = '' } = useParams();
  const queryClient = useQueryClient();
  const key = ['patient-link', token];
  const link = useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET('/v1/patient-links/{token}', { params: { path: { token } } })) as PatientLinkView,
    retry: false,
    staleTime: Infinity,
  });
  const [mode, setMode] = useState<Mode>('view');
  const [text, setText] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [general, setGeneral] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [cancelled, setCancelled] = useState(false);
  const [busy, setBusy] = useState(false);

  async function act(run: () => Promise<void>, field?: string) {
    setBusy(true);
    setGeneral(null);
    setFieldError(undefined);
    try {
      await run();
    } catch (err) {
      if (err instanceof ProblemError && field) {
        const mapped = mapProblemToFields(err.problem, [field]);
        setFieldError(mapped.fields[field]);
        if (mapped.general.length) setGeneral(mapped.general.join(' '));
      } else {
        setGeneral(problemText(err));
      }
    } finally {
      setBusy(false);
    }
  }

  const confirm = () => act(async () => {
    const view = unwrap(await api.POST('/v1/patient-links/{token}/confirm', { params: { path: { token } } })) as PatientLinkView;
    queryClient.setQueryData(key, view);
    setDone('Thank you: your visit is confirmed. See you then.');
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (mode === 'cancel') {
      void act(async () => {
        unwrap(await api.POST('/v1/patient-links/{token}/cancel', { params: { path: { token } }, body: { reason: text } }));
        setCancelled(true);
        setDone('Your appointment is cancelled. We will contact you to offer a new time.');
      }, 'reason');
    } else {
      void act(async () => {
        unwrap(await api.POST('/v1/patient-links/{token}/question', { params: { path: { token } }, body: { question: text } }));
        setDone('We received your question. Our team will get back to you, usually within one business day.');
        setMode('view');
        setText('');
      }, 'question');
    }
  }

  const data = link.data;
  const when = data ? visitTime(data.appointment.start, data.appointment.time_zone) : null;
  return (
    <Container size={480} px="sm" py="lg" component="main" style={READABLE_ERRORS}>
      <Paper withBorder shadow="sm" p="lg" radius="lg">
        {link.isPending && <Center><Loader aria-label="Opening your appointment" /></Center>}
        {link.error && (
          <Stack>
            <Title order={1} size="h2">This link does not work</Title>
            <Alert color="red" role="alert">{problemText(link.error)}</Alert>
          </Stack>
        )}
        {data && when && (
          <Stack gap="md">
            <div>
              <Text c="dimmed" size="sm">{data.practice.name}</Text>
              <Title order={1} size="h2">Hello {data.first_name}</Title>
            </div>
            <section aria-labelledby="visit-title">
              <Title order={2} size="h4" id="visit-title">Your {data.appointment.service_line} appointment</Title>
              <Text fw={600}>{when.day}</Text>
              <Text fw={600}>{when.time}</Text>
              {data.appointment.location && <Text>{data.appointment.location}</Text>}
              {!cancelled && data.appointment.confirmed && <Text c="teal.9" mt="xs">You have confirmed this visit.</Text>}
            </section>
            {data.preparation && (
              <section aria-labelledby="prepare-title">
                <Title order={2} size="h4" id="prepare-title">Before your visit</Title>
                <Text style={{ whiteSpace: 'pre-line' }}>{data.preparation}</Text>
              </section>
            )}
            {done && <Alert color={cancelled ? 'gray' : 'teal'} role="status">{done}</Alert>}
            {general && <Alert color="red" role="alert">{general}</Alert>}
            {!cancelled && mode === 'view' && (
              <Stack gap="xs">
                {!data.appointment.confirmed && <Button size="md" onClick={confirm} loading={busy}>Confirm I will come</Button>}
                <Group grow>
                  <Button size="md" variant="default" onClick={() => { setMode('cancel'); setDone(null); }}>Cancel</Button>
                  <Button size="md" variant="default" onClick={() => { setMode('question'); setDone(null); }}>Ask a question</Button>
                </Group>
              </Stack>
            )}
            {!cancelled && mode !== 'view' && (
              <form onSubmit={submit} noValidate>
                <Stack gap="xs">
                  <Textarea
                    label={mode === 'cancel' ? 'Why are you cancelling?' : 'Your question'}
                    description={mode === 'cancel' ? 'This cannot be undone here; we will call to offer a new time.' : undefined}
                    required autosize minRows={3} maxLength={2000} value={text} error={fieldError} autoFocus
                    onChange={(e) => setText(e.currentTarget.value)}
                  />
                  <Group grow>
                    <Button type="submit" size="md" color={mode === 'cancel' ? 'red.9' : undefined} loading={busy} disabled={!text.trim()}>
                      {mode === 'cancel' ? 'Cancel my appointment' : 'Send question'}
                    </Button>
                    <Button size="md" variant="default" onClick={() => { setMode('view'); setText(''); setFieldError(undefined); }}>
                      Back
                    </Button>
                  </Group>
                </Stack>
              </form>
            )}
            <Text size="sm" c="dimmed">Questions? Call us at {data.practice.phone}.</Text>
          </Stack>
        )}
      </Paper>
    </Container>
  );
}
