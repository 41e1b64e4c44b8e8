import { Anchor, List, Text, Timeline as MTimeline } from '@mantine/core';
import { Link, useLocation, useParams } from 'react-router-dom';
import type { ReferralEvent } from '../../api/contracts';
import { formatDateTime } from '../../lib/format';
import { humanize, STATUS_LABEL } from '../../lib/lifecycle';
import { messageSummary } from '../../lib/outreach';

const OUTCOME: Record<string, string> = { reached: 'reached', voicemail: 'voicemail', wrong_number: 'wrong number', no_answer: 'no answer' };
const CHANNEL: Record<string, string> = { phone: 'Call', sms: 'Text', letter: 'Letter', email: 'Email', portal: 'Portal message' };

function describe(e: ReferralEvent, names: Record<string, string>): string {
  if (e.kind === 'transition' && e.to_status && e.from_status && (e.from_status === 'declined' || e.from_status === 'cancelled')) {
    return `Reopened: ${STATUS_LABEL[e.from_status]} → ${STATUS_LABEL[e.to_status]}`;
  }
  if (e.kind === 'assigned') {
    const d = e.detail as { assignee_id?: string | null; queue?: string | null };
    const who = d.assignee_id ? names[d.assignee_id] ?? 'a colleague' : 'nobody';
    return `Assigned to ${who}${d.queue ? ` · ${d.queue}` : ''}`;
  }
  if (e.kind === 'note') return 'Note';
  if (e.kind === 'duplicate') {
    const d = e.detail as { action?: string; other_id?: string };
    const other = d.other_id ? `R-${d.other_id.replace(/-/g, '').slice(-8)}` : 'another referral';
    const said: Record<string, string> = {
      flagged: `Possible duplicate of ${other}`,
      linked: `Linked to ${other} as related`,
      dismissed: `Not a duplicate of ${other}`,
      merged: `Merged ${other} into this referral`,
      merged_into: `Merged into ${other}`,
    };
    return said[d.action ?? ''] ?? `Duplicate: ${other}`;
  }
  if (e.kind === 'transition' && e.to_status) {
    return e.from_status ? `${STATUS_LABEL[e.from_status]} → ${STATUS_LABEL[e.to_status]}` : `Now ${STATUS_LABEL[e.to_status]}`;
  }
  if (e.kind === 'contact_attempt') {
    const d = e.detail as { channel?: string; reached?: boolean; outcome?: string };
    const how = d.channel ? CHANNEL[d.channel] ?? d.channel : 'Contact attempt';
    const result = d.outcome ? OUTCOME[d.outcome] ?? d.outcome : d.reached === undefined ? null : d.reached ? 'reached' : 'not reached';
    return `${how}${result ? `: ${result}` : ''}`;
  }
  if (e.kind === 'appointment') {
    const d = e.detail as { status?: string; action?: string };
    return `Appointment ${d.status ?? d.action ?? 'changed'}`;
  }
  if (e.kind === 'message') {
    const d = e.detail as { kind?: string; channel?: string; recipient_type?: string; status?: string };
    const what = messageSummary({ kind: d.kind ?? 'message', channel: d.channel ?? 'email', recipient_type: d.recipient_type ?? '' });
    const verb = { sent: 'sent', failed: 'could not be sent', suppressed: 'held back' }[d.status ?? ''] ?? (d.status ?? 'queued');
    return `${what} ${verb}`;
  }
  return humanize(e.kind);
}

function messageId(e: ReferralEvent): string | null {
  return e.kind === 'message' ? ((e.detail as { message_id?: string }).message_id ?? null) : null;
}

/** "user:<id>" as a name where we know it; other actors (system, partner:..., ehr:...) as they are. */
export function actorLabel(actor: string, names: Record<string, string>): string {
  const [kind, id] = actor.split(':', 2);
  if (kind === 'user' && id) return names[id] ?? 'Staff user';
  return actor;
}

export function Timeline({ events, names = {} }: { events: ReferralEvent[]; names?: Record<string, string> }) {
  const { pathname } = useLocation();
  // A merged referral's events show on its survivor's timeline, marked with where they happened.
  const { id: shownId } = useParams();
  if (!events.length) return <Text size="sm" c="dimmed">No events yet.</Text>;
  return (
    <MTimeline bulletSize={14} lineWidth={2} active={events.length}>
      {events.map((e) => (
        <MTimeline.Item key={e.id} title={describe(e, names)}>
          <Text size="xs" c="dimmed">{formatDateTime(e.at)} · {actorLabel(e.actor, names)}</Text>
          {shownId && e.referral_id !== shownId && (
            <Anchor component={Link} to={`/referrals/${e.referral_id}`} size="xs">
              On merged referral R-{e.referral_id.replace(/-/g, '').slice(-8)}
            </Anchor>
          )}
          {e.reason && <Text size="sm">Reason: {humanize(e.reason)}</Text>}
          {e.missing_items && e.missing_items.length > 0 && (
            <>
              <Text size="sm">Asked the referrer for:</Text>
              <List size="sm" aria-label="Requested items">{e.missing_items.map((item) => <List.Item key={item}>{item}</List.Item>)}</List>
            </>
          )}
          {e.note && <Text size="sm" className="timeline-note">{e.note}</Text>}
          {messageId(e) && (
            <Anchor component={Link} to={`${pathname}?message=${messageId(e)}`} size="xs">Open message</Anchor>
          )}
        </MTimeline.Item>
      ))}
    </MTimeline>
  );
}
