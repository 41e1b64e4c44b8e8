// Outreach words for the screens. Suppression reasons come from the API (`suppression_reason`), not from here.
import type { Message } from '../api/contracts';

export const MESSAGE_KINDS: Record<string, string> = {
  acknowledgement: 'Referral received notice',
  status_accepted: 'Referral accepted notice',
  status_needs_info: 'Request for more information',
  status_scheduled: 'Appointment scheduled notice',
  status_declined: 'Referral declined notice',
  reminder: 'Appointment reminder',
  appointment_booked: 'Appointment booked notice',
  no_show: 'Missed appointment follow-up',
  loop_closure: 'Visit summary (loop closure)',
  thank_you: 'Thank-you note',
  check_in: 'Check-in',
  digest: 'Daily summary',
  invitation: 'Invitation to join',
  password_reset: 'Password reset link',
  practice_report: 'Monthly practice report',
};

export const CHANNELS: Record<string, string> = { email: 'Email', sms: 'Text message', webhook: 'Webhook', fhir: 'FHIR push' };
export const MESSAGE_STATUSES: Record<string, string> = { queued: 'Queued', sent: 'Sent', failed: 'Failed', suppressed: 'Suppressed' };

const RECIPIENTS: Record<string, string> = {
  provider: 'the referrer', patient: 'the patient', webhook_endpoint: "the partner's webhook", ehr_client: "the referrer's EHR",
  user: 'a staff member',
  organization: 'the referring practice',
};

export function kindLabel(kind: string): string {
  return MESSAGE_KINDS[kind] ?? kind.replace(/_/g, ' ');
}

export function channelLabel(channel: string): string {
  return CHANNELS[channel] ?? channel;
}

export function recipientLabel(type: string | undefined): string {
  return (type && RECIPIENTS[type]) || (type ? type.replace(/_/g, ' ') : 'the recipient');
}

/** "Referral received notice by email to the referrer" */
export function messageSummary(m: Pick<Message, 'kind' | 'channel' | 'recipient_type'>): string {
  return `${kindLabel(m.kind)} by ${channelLabel(m.channel).toLowerCase()} to ${recipientLabel(m.recipient_type)}`;
}

export const STATUS_COLOR: Record<string, string> = { queued: 'blue', sent: 'teal', failed: 'red', suppressed: 'orange' };

export function canResend(role: string | undefined, status: string): boolean {
  return (role === 'admin' || role === 'intake') && (status === 'failed' || status === 'suppressed');
}
