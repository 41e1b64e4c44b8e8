import { api, unwrap } from './client';
import type { Page, ReferralListItem } from './contracts';
import type { paths } from './schema';
import type { filtersToQuery } from '../lib/filters';

export type ReferralQuery = ReturnType<typeof filtersToQuery>;

type Sort = NonNullable<NonNullable<paths['/v1/referrals']['get']['parameters']['query']>['sort']>;

export async function listReferrals(query: ReferralQuery & { limit?: number; cursor?: string; referring_provider_id?: string; sort?: Sort }) {
  return unwrap(await api.GET('/v1/referrals', { params: { query } })) as Page<ReferralListItem>;
}
