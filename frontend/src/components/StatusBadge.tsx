import { Badge } from '@mantine/core';
import type { ReferralStatus } from '../api/contracts';
import { STATUS_COLOR, STATUS_LABEL } from '../lib/lifecycle';

export function StatusBadge({ status }: { status: ReferralStatus }) {
  // Never cut to "COMPLE…": in a table beside long text, the cell may not shrink below the whole word.
  return <Badge color={STATUS_COLOR[status]} variant="light" miw="max-content">{STATUS_LABEL[status]}</Badge>;
}

const URGENCY_COLOR: Record<string, string> = { routine: 'gray', urgent: 'orange', asap: 'red', stat: 'red' };

export function UrgencyBadge({ urgency, size = 'sm' }: { urgency: string; size?: 'xs' | 'sm' }) {
  return (
    <Badge size={size} color={URGENCY_COLOR[urgency] ?? 'gray'} variant={urgency === 'routine' ? 'outline' : 'filled'} style={{ flexShrink: 0 }}>
      {urgency}
    </Badge>
  );
}
