// The conversation between the referring practice and the intake team about one referral. Both sides use
// this panel; the other side is told by e-mail that a message waits, never what it says.
import { useState } from 'react';
import { Alert, Button, Group, Paper, Stack, Text, Textarea } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ProblemError, unwrap } from '../../api/client';
import type { ThreadMessage } from '../../api/contracts';
import { formatDateTime } from '../../lib/format';
import { PanelTitle } from './AppointmentsPanel';

export const MAX_MESSAGE_CHARS = 10_000;

export function MessageThread({ referralId, side }: { referralId: string; side: 'practice' | 'intake' }) {
  const queryClient = useQueryClient();
  const key = ['referral', referralId, 'messages-thread'];
  const thread = useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET('/v1/referrals/{referral_id}/messages-thread', {
      params: { path: { referral_id: referralId } } })) as ThreadMessage[],
    retry: false,
  });
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const post = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/referrals/{referral_id}/messages-thread', {
      params: { path: { referral_id: referralId } }, body: { body: text } })) as ThreadMessage,
    onSuccess: () => {
      setText('');
      setError(null);
      queryClient.invalidateQueries({ queryKey: key });
    },
    onError: (err) => setError(err instanceof ProblemError ? err.message : 'Could not reach the server. Try again in a moment.'),
  });
  const other = side === 'practice' ? 'the intake team' : 'the referring practice';
  const tooLong = text.length > MAX_MESSAGE_CHARS;

  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="thread-heading">
      <PanelTitle id="thread-heading">{side === 'practice' ? 'Messages with the intake team' : 'Messages with the practice'}</PanelTitle>
      <Stack gap="sm">
        {thread.error ? (
          <Text size="sm" c="red.8">Could not load messages: {(thread.error as Error).message}</Text>
        ) : (thread.data ?? []).length === 0 ? (
          <Text size="sm" c="dimmed">{thread.isPending ? 'Loading messages…' : 'No messages yet.'}</Text>
        ) : (
          <Stack gap="xs" role="log" aria-label="Messages">
            {thread.data!.map((m) => (
              <Paper key={m.id} p="xs" radius="sm" bg={m.side === side ? 'indigo.0' : 'gray.0'}
                ml={m.side === side ? 'xl' : 0} mr={m.side === side ? 0 : 'xl'} data-side={m.side}>
                <Text size="xs" c="dimmed">
                  {m.author_name} ({m.side === 'practice' ? 'practice' : 'intake team'}), {formatDateTime(m.at)}
                </Text>
                <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{m.body}</Text>
              </Paper>
            ))}
          </Stack>
        )}
        {error && <Alert color="red" role="alert" withCloseButton onClose={() => setError(null)}>{error}</Alert>}
        <form onSubmit={(e) => { e.preventDefault(); if (text.trim() && !tooLong) post.mutate(); }} aria-label="Write a message">
          <Stack gap="xs">
            <Textarea label="New message" autosize minRows={2} maxRows={8} value={text}
              onChange={(e) => setText(e.currentTarget.value)}
              error={tooLong ? `At most ${MAX_MESSAGE_CHARS.toLocaleString()} characters (${text.length.toLocaleString()} now).` : undefined}
              description={`We e-mail ${other} that a message waits; its words stay here.`} />
            <Group justify="flex-end">
              <Button type="submit" loading={post.isPending} disabled={!text.trim() || tooLong}>Send message</Button>
            </Group>
          </Stack>
        </form>
      </Stack>
    </Paper>
  );
}
