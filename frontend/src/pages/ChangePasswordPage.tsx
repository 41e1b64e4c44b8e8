import { useState, type FormEvent } from 'react';
import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { useAuth } from '../auth/AuthContext';
import { tokenStore, type TokenPair } from '../auth/tokens';
import { useNewPassword } from '../auth/useNewPassword';

/** Shown instead of the app while the user holds a password an administrator chose. */
export function ChangePasswordPage() {
  const { me, logout } = useAuth();
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState('');
  const form = useNewPassword(['current_password', 'new_password'], 'The two new passwords differ.');
  const { password: next, setPassword: setNext, repeat, setRepeat, errors, general, busy } = form;

  function submit(event: FormEvent) {
    event.preventDefault();
    return form.submit(async () => {
      const pair = unwrap(await api.POST('/v1/auth/password', { body: { current_password: current, new_password: next } }));
      tokenStore.set(pair as TokenPair);
      await queryClient.invalidateQueries({ queryKey: ['me'] });
    });
  }

  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" w={420} maw="100%" radius="lg">
        <form onSubmit={submit} aria-labelledby="change-title" noValidate>
          <Stack>
            <div>
              <Title order={1} size="h2" id="change-title">Choose your password</Title>
              <Text c="dimmed" size="sm">
                {me?.email}: an administrator set the password you signed in with. Choose your own (at least 12 characters) to continue.
              </Text>
            </div>
            {general.length > 0 && <Alert color="red" role="alert" title="Password not changed">{general.join(' ')}</Alert>}
            <PasswordInput label="Current password" autoComplete="current-password" required value={current}
              onChange={(e) => setCurrent(e.currentTarget.value)} error={errors.current_password} autoFocus />
            <PasswordInput label="New password" autoComplete="new-password" required value={next}
              onChange={(e) => setNext(e.currentTarget.value)} error={errors.new_password} />
            <PasswordInput label="Repeat new password" autoComplete="new-password" required value={repeat}
              onChange={(e) => setRepeat(e.currentTarget.value)} error={errors.repeat} />
            <Button type="submit" loading={busy} disabled={!current || next.length < 12 || !repeat}>Save password</Button>
            <Button variant="subtle" onClick={() => logout()}>Sign out</Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
