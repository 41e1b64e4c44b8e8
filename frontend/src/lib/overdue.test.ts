import { firstContactOverdue, isOverdue } from './overdue';

describe('overdue list items', () => {
  const due = '2026-12-03T09:15:00Z';

  it('are overdue once first contact is past the due time their SLA clock set', () => {
    expect(isOverdue({ first_contact_due_at: due }, new Date('2026-12-03T09:14:00Z'))).toBe(false);
    expect(isOverdue({ first_contact_due_at: due }, new Date('2026-12-03T09:16:00Z'))).toBe(true);
  });

  it('are never overdue without a running first-contact milestone (made, paused, stopped or no clock)', () => {
    expect(isOverdue({ first_contact_due_at: null }, new Date('2027-01-01T00:00:00Z'))).toBe(false);
  });
});

describe("a referral page's overdue badge", () => {
  const milestone = {
    milestone: 'first_contact' as const, state: 'breached' as const, due_at: '2026-12-03T09:15:00Z', business_seconds_left: -60,
    target_business_seconds: 28800, paused: false, stopped: false, reached_at: null, escalated_at: null,
  };
  const late = new Date('2026-12-05T00:00:00Z');

  it('follows the same milestone as the list: running and past due', () => {
    expect(firstContactOverdue({ sla: [milestone] }, late)).toBe('2026-12-03T09:15:00Z');
    expect(firstContactOverdue({ sla: [milestone] }, new Date('2026-12-03T09:00:00Z'))).toBeUndefined();
  });

  it('is not shown once first contact is made, while the clock is paused or stopped, or without a clock', () => {
    expect(firstContactOverdue({ sla: [{ ...milestone, reached_at: '2026-12-04T10:00:00Z' }] }, late)).toBeUndefined();
    expect(firstContactOverdue({ sla: [{ ...milestone, due_at: null, paused: true }] }, late)).toBeUndefined();
    expect(firstContactOverdue({ sla: [{ ...milestone, stopped: true }] }, late)).toBeUndefined();
    expect(firstContactOverdue({ sla: [] }, late)).toBeUndefined();
  });
});
