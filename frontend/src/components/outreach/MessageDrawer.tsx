// One message opened from a list or the timeline: `?message=<id>` in the address, so it can be linked and reloaded.
import { Alert, Badge, Button, Drawer, Group, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { api, unwrap } from '../../api/client';
import type { MessageDetail } from '../../api/contracts';
import { useAuth } from '../../auth/AuthContext';
import { formatDateTime } from '../../lib/format';
import { canResend, channelLabel, MESSAGE_STATUSES, STATUS_COLOR } from '../../lib/outreach';
import { QueryState } from '../QueryState';

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text size="sm" component="div" style={{ overflowWrap: 'anywhere' }}>{children}</Text>
    </div>
  );
}

export function MessageDrawer() {
  const [params, setParams] = useSearchParams();
  const id = params.get('message');
  const close = () => {
    const next = new URLSearchParams(params);
    next.delete('message');
    setParams(next, { replace: true });
  };
  return (
    <Drawer opened={!!id} onClose={close} position="right" size="lg" title="Message" closeButtonProps={{ 'aria-label': 'Close message' }}>
      {id && <MessageView id={id} />}
    </Drawer>
  );
}

function MessageView({ id }: { id: string }) {
  const { me } = useAuth();
  const queryClient = useQueryClient();
  const message = useQuery({
    queryKey: ['message', id],
    queryFn: async () => unwrap(await api.GET('/v1/messages/{message_id}', { params: { path: { message_id: id } } })) as MessageDetail,
    retry: false,
  });
  const resend = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/messages/{message_id}/resend', { params: { path: { message_id: id } } })),
    onSuccess: () => {
      notifications.show({ color: 'teal', message: 'Message queued again; it keeps its id, so nobody gets it twice.' });
      queryClient.invalidateQueries({ predicate: (q) => ['message', 'messages', 'referral'].includes(q.queryKey[0] as string) });
    },
  });
  const m = message.data;
  return (
    <QueryState isPending={message.isPending} error={message.error} what="message">
      {m && (
        <Stack gap="md" aria-label="Message details">
          <Group gap="xs">
            <Text fw={600}>{m.kind_label}</Text>
            <Badge color={STATUS_COLOR[m.status]} variant="light">{MESSAGE_STATUSES[m.status] ?? m.status}</Badge>
          </Group>
          {m.suppression_reason && m.status === 'suppressed' && (
            <Alert color="orange" title="Why it was not sent">{m.suppression_reason}</Alert>
          )}
          {m.last_error && <Alert color="red" title="Last error">{m.last_error}</Alert>}
          <SimpleGrid cols={2} spacing="sm">
            <Field label="Channel">{channelLabel(m.channel)}</Field>
            <Field label="Recipient">{[m.recipient_name, m.recipient_address].filter(Boolean).join(' · ') || 'Unknown'}</Field>
            <Field label="Attempts">{m.attempts} of {m.max_attempts}</Field>
            <Field label={m.sent_at ? 'Sent' : 'Not before'}>{formatDateTime(m.sent_at ?? m.not_before)}</Field>
            <Field label="Created">{formatDateTime(m.created_at)}</Field>
            <Field label="Message id seen by the receiver">{m.external_id ?? '—'}</Field>
          </SimpleGrid>
          {m.referral_id && <Button component={Link} to={`/referrals/${m.referral_id}`} variant="subtle" size="compact-sm" w="fit-content">Open the referral</Button>}
          <Paper withBorder p="sm" radius="md" component="section" aria-label="Rendered message">
            {m.rendering && (
              <Badge variant={m.rendering === 'as_sent' ? 'filled' : 'outline'} color={m.rendering === 'as_sent' ? 'teal.9' : 'indigo.9'}
                mb="xs" data-testid="message-rendering">
                {m.rendering === 'as_sent' ? 'As sent' : 'Preview'}
              </Badge>
            )}
            {m.subject && <Text fw={600} size="sm" mb="xs">Subject: {m.subject}</Text>}
            {m.body ? <Text size="sm" className="timeline-note" data-testid="message-body">{m.body}</Text> : <Text size="sm" c="dimmed">No text.</Text>}
            {m.content_note && <Text size="xs" c="dimmed" mt="xs">{m.content_note}</Text>}
            {m.phi_hidden && <Text size="xs" c="dimmed">Patient details are hidden for your role.</Text>}
          </Paper>
          {canResend(me?.role, m.status) && (
            <Group>
              <Button onClick={() => resend.mutate()} loading={resend.isPending}>Resend</Button>
              {resend.error && <Text size="sm" c="red">{(resend.error as Error).message}</Text>}
            </Group>
          )}
        </Stack>
      )}
    </QueryState>
  );
}
