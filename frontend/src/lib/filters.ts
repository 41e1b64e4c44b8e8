// Pipeline filters live in the URL so a view can be bookmarked, shared and restored with Back.
import type { ReferralStatus, Urgency } from '../api/contracts';
import { STATUSES } from './lifecycle';

export const URGENCIES: Urgency[] = ['routine', 'urgent', 'asap', 'stat'];

export interface PipelineFilters {
  status: ReferralStatus[];
  urgency: Urgency[];
  serviceLine: string;
  referrer: string;
  /** A user id, or "me" for whoever is signed in. */
  assignee: string;
  from: string; // YYYY-MM-DD, inclusive
  to: string; // YYYY-MM-DD, inclusive
  /** Only referrals flagged as possible duplicates. */
  duplicates?: boolean;
}

export const EMPTY_FILTERS: PipelineFilters = {
  status: [], urgency: [], serviceLine: '', referrer: '', assignee: '', from: '', to: '',
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function filtersFromParams(params: URLSearchParams): PipelineFilters {
  const list = (key: string) => params.getAll(key).flatMap((v) => v.split(',')).filter(Boolean);
  const date = (key: string) => {
    const v = params.get(key) ?? '';
    return DATE.test(v) ? v : '';
  };
  return {
    status: list('status').filter((s): s is ReferralStatus => (STATUSES as string[]).includes(s)),
    urgency: list('urgency').filter((u): u is Urgency => (URGENCIES as string[]).includes(u)),
    serviceLine: params.get('service_line') ?? '',
    referrer: params.get('referrer') ?? '',
    assignee: params.get('assignee') ?? '',
    from: date('from'),
    to: date('to'),
    duplicates: params.get('duplicates') === 'flagged' || undefined,
  };
}

/** Writes filters into params, keeping unrelated keys (such as the view) and dropping empty ones. */
export function filtersToParams(filters: PipelineFilters, base?: URLSearchParams): URLSearchParams {
  const params = new URLSearchParams(base);
  for (const key of ['status', 'urgency', 'service_line', 'referrer', 'assignee', 'from', 'to', 'duplicates']) params.delete(key);
  if (filters.status.length) params.set('status', filters.status.join(','));
  if (filters.urgency.length) params.set('urgency', filters.urgency.join(','));
  if (filters.serviceLine.trim()) params.set('service_line', filters.serviceLine.trim());
  if (filters.referrer) params.set('referrer', filters.referrer);
  if (filters.assignee) params.set('assignee', filters.assignee);
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  if (filters.duplicates) params.set('duplicates', 'flagged');
  return params;
}

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The query for GET /v1/referrals. Dates are whole UTC days; `to` is inclusive here, exclusive in the API. */
export function filtersToQuery(filters: PipelineFilters, meId?: string) {
  const assignee = filters.assignee === 'me' ? meId : filters.assignee;
  return {
    status: filters.status.length ? filters.status : undefined,
    urgency: filters.urgency.length ? filters.urgency : undefined,
    service_line: filters.serviceLine.trim() || undefined,
    referring_provider_id: filters.referrer || undefined,
    assignee_id: assignee || undefined,
    received_from: filters.from ? `${filters.from}T00:00:00Z` : undefined,
    received_to: filters.to ? `${nextDay(filters.to)}T00:00:00Z` : undefined,
    duplicates: filters.duplicates ? ('flagged' as const) : undefined,
  };
}

export function activeFilterCount(filters: PipelineFilters): number {
  return [
    filters.status.length, filters.urgency.length, filters.serviceLine, filters.referrer,
    filters.assignee, filters.from || filters.to, filters.duplicates,
  ].filter(Boolean).length;
}
