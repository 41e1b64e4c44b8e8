// A referrer's scorecard from its referrals, with DESIGN.md's meanings: conversion = reached completed
// (completed or closed now), leakage = ended cancelled, decline = ended declined, over all received.
import type { Referral, ReferralStatus } from '../api/contracts';

export interface Scorecard {
  total: number;
  open: number;
  converted: number;
  leaked: number;
  declined: number;
  conversionRate: number | null;
  leakageRate: number | null;
  byStatus: Partial<Record<ReferralStatus, number>>;
}

export function scorecard(referrals: Pick<Referral, 'status'>[]): Scorecard {
  const byStatus: Partial<Record<ReferralStatus, number>> = {};
  for (const r of referrals) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const n = (s: ReferralStatus) => byStatus[s] ?? 0;
  const total = referrals.length;
  const converted = n('completed') + n('closed');
  return {
    total,
    open: n('received') + n('needs_info') + n('accepted') + n('scheduled'),
    converted,
    leaked: n('cancelled'),
    declined: n('declined'),
    conversionRate: total ? converted / total : null,
    leakageRate: total ? n('cancelled') / total : null,
    byStatus,
  };
}
