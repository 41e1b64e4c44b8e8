import { Button, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useAuth } from '../auth/AuthContext';
import { homeFor } from '../lib/roles';

export function NotAllowed({ notFound = false }: { notFound?: boolean }) {
  const { me } = useAuth();
  return (
    <Stack align="flex-start" gap="sm" maw={520}>
      <Title order={2}>{notFound ? 'Page not found' : 'Not available for your role'}</Title>
      <Text c="dimmed">
        {notFound ? 'Nothing lives at this address.' : `Signed in as ${me?.role}, you do not have access to this page.`}
      </Text>
      <Button component={Link} to={homeFor(me?.role)}>Go to your start page</Button>
    </Stack>
  );
}
