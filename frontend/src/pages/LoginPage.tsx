import { useState, type FormEvent } from 'react';
import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useLocation, useNavigate } from 'react-router-dom';
import { ProblemError } from '../api/client';
import { useAuth } from '../auth/AuthContext';
import { homeFor } from '../lib/roles';

function loginMessage(error: unknown): string {
  if (error instanceof ProblemError) {
    if (error.status === 401 || error.status === 400) return 'That email and password do not match an account.';
    return error.problem.detail || error.problem.title || `Sign-in failed (${error.status}).`;
  }
  return 'Could not reach the server. Try again in a moment.';
}

export function LoginPage() {
  const { login } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await login(email.trim(), password);
      const from = (location.state as { from?: string } | null)?.from;
      navigate(from && from !== '/' && from !== '/login' ? from : homeFor(me.role), { replace: true });
    } catch (err) {
      setError(loginMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" w={380} maw="100%" radius="lg">
        <form onSubmit={submit} aria-labelledby="login-title" noValidate>
          <Stack>
            <div>
              <Title order={1} size="h2" id="login-title" c="indigo.7">Refloop</Title>
              <Text c="dimmed" size="sm">Sign in to manage referrals</Text>
            </div>
            {error && <Alert color="red" role="alert" title="Sign-in failed">{error}</Alert>}
            <TextInput
              label="Email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              data-autofocus
              autoFocus
            />
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            <Button type="submit" loading={busy} disabled={!email || !password}>Sign in</Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
