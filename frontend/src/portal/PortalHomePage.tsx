// The practice's first screen: what waits on the practice, and the visit summaries that came back.
import { Alert, Anchor, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { ReferralTable } from './PortalReferralsPage';
import { usePracticeReferrals } from './queries';

export function PortalHomePage() {
  const waiting = usePracticeReferrals(['needs_info']);
  const seen = usePracticeReferrals(['completed', 'closed']);
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={2}>Home</Title>
        <Button component={Link} to="/portal/referrals/new">Send a referral</Button>
      </Group>
      <Paper withBorder p="md" component="section" aria-labelledby="action-heading">
        <Title order={3} size="h4" id="action-heading" mb="sm">Needs your action</Title>
        {waiting.data && waiting.data.items.length > 0 && (
          <Alert color="yellow" mb="sm">The intake team needs more information on these referrals: open one to see what is missing.</Alert>
        )}
        {waiting.data ? <ReferralTable items={waiting.data.items} label="Referrals needing action" /> : <Text c="dimmed">Loading…</Text>}
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="seen-heading">
        <Title order={3} size="h4" id="seen-heading" mb="sm">Recent visit summaries</Title>
        {seen.data ? <ReferralTable items={seen.data.items.slice(0, 10)} label="Recently seen" /> : <Text c="dimmed">Loading…</Text>}
      </Paper>
      <Text size="sm"><Anchor component={Link} to="/portal/referrals">All your referrals</Anchor></Text>
    </Stack>
  );
}
