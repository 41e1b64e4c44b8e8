import { useState } from 'react';
import { Alert, Anchor, Code, Grid, Paper, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { CapturedMail, CapturedMailSummary, Page } from '../../api/contracts';
import { isMissingRoute, QueryState } from '../../components/QueryState';
import { formatDateTime } from '../../lib/format';

/** What the development mail catcher received (like Mailpit). The API answers 404 in production. */
export function MailSection() {
  const [selected, setSelected] = useState<string | null>(null);
  const mails = useQuery({
    queryKey: ['admin', 'mails'],
    queryFn: async () => unwrap(await api.GET('/v1/dev/mails', { params: { query: { limit: 100 } } })) as Page<CapturedMailSummary>,
    refetchInterval: 5000,
    retry: false,
  });
  if (mails.error && isMissingRoute(mails.error)) {
    return <Alert color="gray" title="No mail catcher here">This server runs in production: mail goes to the configured SMTP relay, and nothing is kept to show.</Alert>;
  }
  const items = mails.data?.items ?? [];
  return (
    <Stack gap="sm">
      <Text c="dimmed" size="sm">Development only: every mail the worker “sent” is caught here instead of leaving the machine.</Text>
      <QueryState isPending={mails.isPending} error={mails.error} what="caught mail">
        <Grid>
          <Grid.Col span={{ base: 12, lg: 5 }}>
            <Paper withBorder radius="md">
              <ScrollArea.Autosize mah={560}>
                {/* Fixed columns: a long address wraps in its own column instead of pushing Subject out of view. */}
                <Table verticalSpacing={4} highlightOnHover fz="sm" layout="fixed">
                  <Table.Thead><Table.Tr><Table.Th w={130}>Received</Table.Th><Table.Th w="40%">To</Table.Th><Table.Th>Subject</Table.Th></Table.Tr></Table.Thead>
                  <Table.Tbody>
                    {items.map((m) => (
                      <Table.Tr key={m.id} bg={m.id === selected ? 'var(--mantine-color-indigo-0)' : undefined}>
                        <Table.Td>{formatDateTime(m.received_at)}</Table.Td>
                        <Table.Td><Text size="xs" style={{ overflowWrap: 'anywhere' }}>{m.rcpt_to.join(', ')}</Text></Table.Td>
                        <Table.Td><Anchor component="button" type="button" size="sm" ta="left" style={{ overflowWrap: 'anywhere' }} onClick={() => setSelected(m.id)}>{m.subject || '(no subject)'}</Anchor></Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                {items.length === 0 && <Text p="md" c="dimmed" size="sm">No mail caught yet.</Text>}
              </ScrollArea.Autosize>
            </Paper>
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 7 }}>
            {selected ? <MailView id={selected} /> : <Text c="dimmed" size="sm">Choose a mail to read it.</Text>}
          </Grid.Col>
        </Grid>
      </QueryState>
    </Stack>
  );
}

function MailView({ id }: { id: string }) {
  const mail = useQuery({
    queryKey: ['admin', 'mail', id],
    queryFn: async () => unwrap(await api.GET('/v1/dev/mails/{mail_id}', { params: { path: { mail_id: id } } })) as CapturedMail,
  });
  return (
    <QueryState isPending={mail.isPending} error={mail.error} what="mail">
      {mail.data && (
        <Paper withBorder radius="md" p="md" component="article" aria-label={`Mail: ${mail.data.subject}`}>
          <Stack gap="sm">
            <Title order={2} size="h4">{mail.data.subject || '(no subject)'}</Title>
            <Table fz="xs" verticalSpacing={2} withRowBorders={false}>
              <Table.Tbody>
                {mail.data.headers.map(([name, value], i) => (
                  <Table.Tr key={`${name}-${i}`}><Table.Th w={160} style={{ verticalAlign: 'top' }}>{name}</Table.Th><Table.Td style={{ wordBreak: 'break-all' }}>{value}</Table.Td></Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Code block style={{ whiteSpace: 'pre-wrap' }} aria-label="Mail body">{mail.data.body}</Code>
          </Stack>
        </Paper>
      )}
    </QueryState>
  );
}
