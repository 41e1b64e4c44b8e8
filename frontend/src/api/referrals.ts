import { api, unwrap } from './client';
import type { Page, Referral } from './contracts';
import type { filtersToQuery } from '../lib/filters';

export type ReferralQuery = ReturnType<typeof filtersToQuery>;

export async function listReferrals(query: ReferralQuery & { limit?: number; cursor?: string; referring_provider_id?: string }) {
  return unwrap(await api.GET('/v1/referrals', { params: { query } })) as Page<Referral>;
}
