// When a referral counts as overdue in the work queue (documented in frontend/README.md):
// it is still waiting for first contact (received, needs_info or accepted, no first_contact_at) and
//  - urgency urgent/asap/stat: more than 24 hours since it was received;
//  - routine: more than 2 business days (Mon–Fri, UTC) since it was received.
import type { MilestoneSla, Referral } from '../api/contracts';

const WAITING = new Set(['received', 'needs_info', 'accepted']);
const HOUR = 3_600_000;

/** Adds business days (Mon–Fri) to a UTC instant, keeping the time of day. */
export function addBusinessDays(from: Date, days: number): Date {
  const d = new Date(from.getTime());
  // A referral received on a weekend starts counting from Monday 00:00 UTC.
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6) {
    d.setUTCDate(d.getUTCDate() + 1);
    d.setUTCHours(0, 0, 0, 0);
  }
  let left = days;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) left -= 1;
  }
  return d;
}

export function dueBy(r: Pick<Referral, 'received_at' | 'urgency'>): Date {
  const received = new Date(r.received_at);
  return r.urgency === 'routine' ? addBusinessDays(received, 2) : new Date(received.getTime() + 24 * HOUR);
}

export function isOverdue(
  r: Pick<Referral, 'status' | 'received_at' | 'urgency' | 'first_contact_at'>,
  now: Date = new Date(),
): boolean {
  if (!WAITING.has(r.status) || r.first_contact_at) return false;
  return now.getTime() > dueBy(r).getTime();
}

type WithClock = Pick<Referral, 'status' | 'received_at' | 'urgency' | 'first_contact_at'> & { sla?: MilestoneSla[] };

/** On a referral's page the SLA clock's first-contact milestone decides, as the SLA panel beside it shows
 *  (the policy's business-time target, pauses included); a referral without a clock falls back to the rule
 *  above. The time it was due (null while the clock is paused), or undefined when it is not overdue. */
export function firstContactOverdue(r: WithClock, now: Date = new Date()): string | null | undefined {
  const milestone = r.sla?.find((m) => m.milestone === 'first_contact');
  if (!milestone) return isOverdue(r, now) ? dueBy(r).toISOString() : undefined;
  if (milestone.state !== 'breached' || milestone.reached_at || milestone.stopped) return undefined;
  return milestone.due_at ?? null;
}
