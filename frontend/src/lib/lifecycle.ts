// The referral lifecycle as DESIGN.md states it (the API enforces it; this only drives the buttons).
import type { ReferralStatus } from '../api/contracts';

export const STATUSES: ReferralStatus[] = [
  'received', 'needs_info', 'accepted', 'scheduled', 'completed', 'closed', 'declined', 'cancelled',
];

export const STATUS_LABEL: Record<ReferralStatus, string> = {
  received: 'Received',
  needs_info: 'Needs info',
  accepted: 'Accepted',
  scheduled: 'Scheduled',
  completed: 'Completed',
  closed: 'Closed',
  declined: 'Declined',
  cancelled: 'Cancelled',
};

export const STATUS_COLOR: Record<ReferralStatus, string> = {
  received: 'blue',
  needs_info: 'yellow',
  accepted: 'cyan',
  scheduled: 'violet',
  completed: 'teal',
  closed: 'gray',
  declined: 'red',
  cancelled: 'orange',
};

const MOVES: Record<ReferralStatus, ReferralStatus[]> = {
  received: ['accepted', 'needs_info', 'declined'],
  needs_info: ['accepted', 'declined', 'cancelled'],
  accepted: ['scheduled', 'cancelled'],
  scheduled: ['completed', 'accepted', 'cancelled'],
  completed: ['closed'],
  closed: [],
  // Reopening (with a reason) is the only way out of these two.
  declined: ['received'],
  cancelled: ['received'],
};

export const DECLINE_REASONS = ['misdirected', 'not_indicated', 'out_of_network', 'other'] as const;
export const LEAKAGE_REASONS = [
  'patient_unreachable', 'patient_declined', 'no_show', 'went_elsewhere', 'insurance', 'other',
] as const;
export const RESCHEDULE_REASONS = ['no_show', 'appointment_cancelled', 'rescheduled'] as const;
export const REOPEN_REASONS = ['decided_in_error', 'new_information', 'patient_returned', 'other'] as const;

export function allowedMoves(status: ReferralStatus): ReferralStatus[] {
  return MOVES[status] ?? [];
}

/** Reasons a move must carry, or null when none is required. */
export function requiredReasons(from: ReferralStatus, to: ReferralStatus): readonly string[] | null {
  if (from === 'scheduled' && to === 'accepted') return RESCHEDULE_REASONS;
  if (to === 'received' && (from === 'declined' || from === 'cancelled')) return REOPEN_REASONS;
  if (to === 'declined') return DECLINE_REASONS;
  if (to === 'cancelled') return LEAKAGE_REASONS;
  return null;
}

/** Button text for a move, phrased as the action the user takes. */
export function moveLabel(from: ReferralStatus, to: ReferralStatus): string {
  if (from === 'scheduled' && to === 'accepted') return 'Back to scheduling';
  if (to === 'received') return 'Reopen';
  const verbs: Partial<Record<ReferralStatus, string>> = {
    accepted: 'Accept',
    needs_info: 'Request info',
    declined: 'Decline',
    scheduled: 'Book appointment',
    completed: 'Mark seen (complete)',
    closed: 'Close loop',
    cancelled: 'Cancel',
  };
  return verbs[to] ?? STATUS_LABEL[to];
}

export function humanize(code: string): string {
  const text = code.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const OPEN_STATUSES: ReferralStatus[] = ['received', 'needs_info', 'accepted', 'scheduled'];
