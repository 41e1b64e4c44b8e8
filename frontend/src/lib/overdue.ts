// When a referral counts as overdue (documented in frontend/README.md): its SLA clock's first-contact
// milestone is running (not reached, not paused, not stopped) and past its due time, the business-time
// target the practice's SLA policy sets for its urgency. A referral without a clock (imported history) is
// never overdue. List items carry the due time (`first_contact_due_at`); a referral's page has the clock.
import type { MilestoneSla, ReferralListItem } from '../api/contracts';

/** A list item (board card or table row): overdue once its first contact is past due. */
export function isOverdue(r: Pick<ReferralListItem, 'first_contact_due_at'>, now: Date = new Date()): boolean {
  return r.first_contact_due_at != null && now.getTime() > new Date(r.first_contact_due_at).getTime();
}

/** On a referral's page, from the clock its SLA panel shows: the time first contact was due when the
 *  referral is overdue by the same rule, else undefined. */
export function firstContactOverdue(r: { sla?: MilestoneSla[] }, now: Date = new Date()): string | undefined {
  const milestone = r.sla?.find((m) => m.milestone === 'first_contact');
  if (!milestone || milestone.reached_at || milestone.paused || milestone.stopped) return undefined;
  const due = milestone.due_at;
  return due && isOverdue({ first_contact_due_at: due }, now) ? due : undefined;
}
