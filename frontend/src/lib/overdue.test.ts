import { addBusinessDays, isOverdue } from './overdue';

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
