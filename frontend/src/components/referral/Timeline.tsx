import { Text, Timeline as MTimeline } from '@mantine/core';
import type { ReferralEvent } from '../../api/contracts';
import { formatDateTime } from '../../lib/format';
import { humanize, STATUS_LABEL } from '../../lib/lifecycle';

function describe(e: ReferralEvent): string {
  if (e.kind === 'transition' && e.to_status) {
    return e.from_status ? `${STATUS_LABEL[e.from_status]} → ${STATUS_LABEL[e.to_status]}` : `Now ${STATUS_LABEL[e.to_status]}`;
  }
  if (e.kind === 'contact_attempt') {
    const d = e.detail as { channel?: string; reached?: boolean };
    return `Contact attempt${d.channel ? ` by ${d.channel}` : ''}${d.reached === undefined ? '' : d.reached ? ' (reached)' : ' (not reached)'}`;
  }
  if (e.kind === 'appointment') {
    const d = e.detail as { status?: string; action?: string };
    return `Appointment ${d.status ?? d.action ?? 'changed'}`;
  }
  return humanize(e.kind);
}

/** "user:<id>" as a name where we know it; other actors (system, partner:..., ehr:...) as they are. */
export function actorLabel(actor: string, names: Record<string, string>): string {
  const [kind, id] = actor.split(':', 2);
  if (kind === 'user' && id) return names[id] ?? 'Staff user';
  return actor;
}

export function Timeline({ events, names = {} }: { events: ReferralEvent[]; names?: Record<string, string> }) {
  if (!events.length) return <Text size="sm" c="dimmed">No events yet.</Text>;
  return (
    <MTimeline bulletSize={14} lineWidth={2} active={events.length}>
      {events.map((e) => (
        <MTimeline.Item key={e.id} title={describe(e)}>
          <Text size="xs" c="dimmed">{formatDateTime(e.at)} · {actorLabel(e.actor, names)}</Text>
          {e.reason && <Text size="sm">Reason: {humanize(e.reason)}</Text>}
          {e.note && <Text size="sm" className="timeline-note">{e.note}</Text>}
        </MTimeline.Item>
      ))}
    </MTimeline>
  );
}
