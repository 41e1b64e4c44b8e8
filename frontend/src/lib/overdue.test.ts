import { addBusinessDays, firstContactOverdue, isOverdue } from './overdue';

const base = { status: 'received' as const, first_contact_at: null };

describe('overdue referrals', () => {
  it('gives a routine referral received on Friday until Tuesday, skipping the weekend', () => {
    const friday = '2026-11-20T15:00:00Z';
    expect(addBusinessDays(new Date(friday), 2).toISOString()).toBe('2026-11-24T15:00:00.000Z');
    const r = { ...base, urgency: 'routine' as const, received_at: friday };
    expect(isOverdue(r, new Date('2026-11-24T14:59:00Z'))).toBe(false);
    expect(isOverdue(r, new Date('2026-11-24T15:01:00Z'))).toBe(true);
  });

  it('counts a weekend arrival from Monday morning', () => {
    expect(addBusinessDays(new Date('2026-11-21T10:00:00Z'), 2).toISOString()).toBe('2026-11-25T00:00:00.000Z');
  });

  it('gives urgent referrals 24 hours', () => {
    const r = { ...base, urgency: 'urgent' as const, received_at: '2026-11-20T15:00:00Z' };
    expect(isOverdue(r, new Date('2026-11-21T14:00:00Z'))).toBe(false);
    expect(isOverdue(r, new Date('2026-11-21T16:00:00Z'))).toBe(true);
  });

  it('is never overdue once the patient was contacted, scheduled or the referral ended', () => {
    const late = new Date('2026-12-31T00:00:00Z');
    const r = { ...base, urgency: 'stat' as const, received_at: '2026-11-20T15:00:00Z' };
    expect(isOverdue({ ...r, first_contact_at: '2026-11-20T16:00:00Z' }, late)).toBe(false);
    expect(isOverdue({ ...r, status: 'scheduled' }, late)).toBe(false);
    expect(isOverdue({ ...r, status: 'declined' }, late)).toBe(false);
    expect(isOverdue({ ...r, status: 'accepted' }, late)).toBe(true);
  });
});

describe("a referral page's overdue badge", () => {
  const r = { status: 'received' as const, first_contact_at: null, urgency: 'urgent' as const, received_at: '2026-12-02T10:15:00Z' };
  const milestone = {
    milestone: 'first_contact' as const, state: 'breached' as const, due_at: '2026-12-03T09:15:00Z', business_seconds_left: -60,
    target_business_seconds: 28800, paused: false, stopped: false, reached_at: null, escalated_at: null,
  };
  const late = new Date('2026-12-05T00:00:00Z');

  it('follows the SLA clock when the referral has one, not the 24-hour rule', () => {
    expect(firstContactOverdue({ ...r, sla: [milestone] }, late)).toBe('2026-12-03T09:15:00Z');
    expect(firstContactOverdue({ ...r, sla: [{ ...milestone, state: 'at_risk' as const }] }, late)).toBeUndefined();
    expect(firstContactOverdue({ ...r, sla: [{ ...milestone, due_at: null, paused: true }] }, late)).toBeNull();
    expect(firstContactOverdue({ ...r, sla: [{ ...milestone, stopped: true }] }, late)).toBeUndefined();
  });

  it('falls back to the rule above for a referral without a clock', () => {
    expect(firstContactOverdue({ ...r, sla: [] }, late)).toBe('2026-12-03T10:15:00.000Z');
  });
});
