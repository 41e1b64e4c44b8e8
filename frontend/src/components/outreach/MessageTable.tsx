import { Anchor, Badge, Table, Text } from '@mantine/core';
import { Link, useLocation, useSearchParams } from 'react-router-dom';
import type { Message } from '../../api/contracts';
import { formatDateTime } from '../../lib/format';
import { channelLabel, MESSAGE_STATUSES, recipientLabel, STATUS_COLOR } from '../../lib/outreach';

/** Messages as rows; the kind opens the message in the drawer (`?message=<id>`). */
export function MessageTable({ messages, showReferral = false }: { messages: Message[]; showReferral?: boolean }) {
  const [params] = useSearchParams();
  const { pathname } = useLocation();
  const open = (id: string) => {
    const next = new URLSearchParams(params);
    next.set('message', id);
    return `${pathname}?${next.toString()}`;
  };
  if (!messages.length) return <Text size="sm" c="dimmed">No messages.</Text>;
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table verticalSpacing={6} highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Message</Table.Th>
            <Table.Th>Channel</Table.Th>
            <Table.Th>To</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>When</Table.Th>
            {showReferral && <Table.Th>Referral</Table.Th>}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {messages.map((m) => (
            <Table.Tr key={m.id}>
              <Table.Td><Anchor component={Link} to={open(m.id)} size="sm">{m.kind_label}</Anchor></Table.Td>
              <Table.Td>{channelLabel(m.channel)}</Table.Td>
              <Table.Td>{recipientLabel(m.recipient_type)}</Table.Td>
              <Table.Td>
                <Badge color={STATUS_COLOR[m.status]} variant="light" title={m.suppression_reason ?? undefined}>{MESSAGE_STATUSES[m.status] ?? m.status}</Badge>
                {m.status === 'suppressed' && m.suppression_reason && <Text size="xs" c="dimmed" maw={260}>{m.suppression_reason}</Text>}
              </Table.Td>
              <Table.Td><Text size="sm">{formatDateTime(m.sent_at ?? m.created_at)}</Text></Table.Td>
              {showReferral && (
                <Table.Td>{m.referral_id ? <Anchor component={Link} to={`/referrals/${m.referral_id}`} size="sm">Open</Anchor> : '—'}</Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
