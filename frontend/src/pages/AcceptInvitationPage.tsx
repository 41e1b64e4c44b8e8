// The page behind an e-mailed one-time link (/invite/<token>): choose a password, and be signed in.
import { type FormEvent } from 'react';
import { Alert, Anchor, Button, Center, Loader, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, ProblemError, unwrap } from '../api/client';
import type { InvitationPreview, Me } from '../api/contracts';
import { tokenStore, type TokenPair } from '../auth/tokens';
import { useNewPassword } from '../auth/useNewPassword';
import { homeFor } from '../lib/roles';

function linkProblem(error: unknown): string {
  if (error instanceof ProblemError) return error.problem.detail || error.problem.title || `The link did not work (${error.status}).`;
  return 'Could not reach the server. Try again in a moment.';
}

// Mantine's default error red is too light on white for WCAG AA, in the message and in the field's text.
const READABLE_ERRORS = { '--mantine-color-error': 'var(--mantine-color-red-9)' } as React.CSSProperties;

export function AcceptInvitationPage() {
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const invitation = useQuery({
    queryKey: ['invitation', token],
    queryFn: async () => unwrap(await api.POST('/v1/auth/invitation', { body: { token } })) as InvitationPreview,
    retry: false,
    staleTime: Infinity,
  });
  const form = useNewPassword(['password'], 'The two passwords differ.');
  const { password, setPassword, repeat, setRepeat, errors, general, busy } = form;

  function submit(event: FormEvent) {
    event.preventDefault();
    return form.submit(async () => {
      const pair = unwrap(await api.POST('/v1/auth/invitation/accept', { body: { token, password } })) as TokenPair;
      tokenStore.set(pair);
      const me = (await queryClient.fetchQuery({
        queryKey: ['me', pair.access_token],
        queryFn: async () => unwrap(await api.GET('/v1/auth/me')) as Me,
      }));
      navigate(homeFor(me.role), { replace: true });
    });
  }

  const data = invitation.data;
  const joining = data?.purpose !== 'reset';
  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" w={440} maw="100%" radius="lg" style={READABLE_ERRORS}>
        {invitation.isPending && <Center><Loader aria-label="Checking the link" /></Center>}
        {invitation.error && (
          <Stack>
            <Title order={1} size="h2">This link does not work</Title>
            <Alert color="red" role="alert">{linkProblem(invitation.error)}</Alert>
            <Anchor component={Link} to="/login">Go to sign-in</Anchor>
          </Stack>
        )}
        {data && (
          <form onSubmit={submit} aria-labelledby="invite-title" noValidate>
            <Stack>
              <div>
                <Title order={1} size="h2" id="invite-title">{joining ? `Welcome, ${data.full_name}` : 'Choose a new password'}</Title>
                <Text c="dimmed" size="sm">
                  {joining ? `Choose a password for ${data.email} to join Refloop.` : `For ${data.email}.`} At least 12 characters;
                  the link works once.
                </Text>
              </div>
              {general.length > 0 && <Alert color="red" role="alert" title="Password not set">{general.join(' ')}</Alert>}
              <PasswordInput label="Password" autoComplete="new-password" required value={password}
                onChange={(e) => setPassword(e.currentTarget.value)} error={errors.password} autoFocus />
              <PasswordInput label="Repeat the password" autoComplete="new-password" required value={repeat}
                onChange={(e) => setRepeat(e.currentTarget.value)} error={errors.repeat} />
              <Button type="submit" loading={busy} disabled={!password || !repeat}>
                {joining ? 'Set password and sign in' : 'Save password and sign in'}
              </Button>
            </Stack>
          </form>
        )}
      </Paper>
    </Center>
  );
}
