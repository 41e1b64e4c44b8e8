import { Badge, Group, Paper, Stack, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import type { ReferralListItem } from '../api/contracts';
import { initials, relativeAge } from '../lib/format';
import { humanize } from '../lib/lifecycle';
import { isOverdue } from '../lib/overdue';
import { UrgencyBadge } from './StatusBadge';

export function ReferralCard({ referral }: { referral: ReferralListItem }) {
  const overdue = isOverdue(referral);
  const who = initials(referral.patient.given_name, referral.patient.family_name);
  return (
    <Link
      to={`/referrals/${referral.id}`}
      className="referral-card"
    >
      <Paper withBorder p="sm" radius="md" className={overdue ? 'overdue' : undefined} shadow="xs">
        <Stack gap={4}>
          <Group justify="space-between" wrap="nowrap" gap={4}>
            <Text fw={600} size="sm" truncate>{humanize(referral.service_line)}</Text>
            <UrgencyBadge urgency={referral.urgency} size="xs" />
          </Group>
          <Text size="xs" c="dimmed" truncate>{referral.reason || referral.specialty_display || 'No reason given'}</Text>
          <Group justify="space-between" gap={4}>
            <Text size="xs">{who}</Text>
            <Group gap={4}>
              {overdue && <Badge color="red" size="xs">Overdue</Badge>}
              {referral.possible_duplicate && <Badge color="orange" size="xs" title={referral.duplicate_reason ?? undefined}>Possible duplicate</Badge>}
              <Text size="xs" c="dimmed" title={referral.received_at}>{relativeAge(referral.received_at)} ago</Text>
            </Group>
          </Group>
        </Stack>
      </Paper>
    </Link>
  );
}
