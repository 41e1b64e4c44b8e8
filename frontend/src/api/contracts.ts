// Shapes of routes being added alongside the web app. Replace with schema types as each lands in openapi.json.
import type { components } from './schema';

export type Referral = components['schemas']['Referral'];
export type ReferralEvent = components['schemas']['ReferralEvent'];
export type Appointment = components['schemas']['Appointment'];
export type ReferralStatus = Referral['status'];
export type Urgency = Referral['urgency'];
export type ReferralCreate = components['schemas']['ReferralCreate'];

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type Role = 'admin' | 'intake' | 'liaison' | 'clinician' | 'analyst';

export interface Me {
  id: string;
  email: string;
  full_name: string;
  role: Role;
  queue: string | null;
}

export interface Task {
  id: string;
  version?: number;
  type: string;
  title: string;
  description?: string | null;
  referral_id?: string | null;
  provider_id?: string | null;
  assignee_id?: string | null;
  queue?: string | null;
  due_at: string;
  priority: string;
  status: 'open' | 'in_progress' | 'done' | 'cancelled';
  completed_at?: string | null;
}

export interface StaffContact {
  id?: string;
  name: string;
  role: string;
  phone?: string | null;
  email?: string | null;
}

export interface Affiliation {
  id?: string;
  organization_id: string;
  organization_name?: string | null;
  role: string;
}

export interface Provider {
  id: string;
  npi?: string | null;
  prefix?: string | null;
  given_name: string;
  family_name: string;
  suffix?: string | null;
  credentials?: string[];
  specialties?: { code: string; display?: string | null; primary?: boolean }[];
  kind?: string;
  status?: string;
  preferred_contact_method?: string | null;
  contact_points?: { system: string; value: string; use?: string | null }[];
  affiliations?: Affiliation[];
  staff?: StaffContact[];
  notes?: string | null;
}

export interface Message {
  id: string;
  referral_id?: string | null;
  channel?: string;
  direction?: string;
  subject?: string | null;
  status?: string;
  created_at?: string;
  sent_at?: string | null;
  to?: string | null;
  template?: string | null;
}

export interface UserSummary {
  id: string;
  email: string;
  full_name: string;
  role: Role;
  queue?: string | null;
}

// GET /v1/analytics/summary (domain/analytics/schemas.py).
export interface Rate { count: number; of: number; rate: number | null }
export interface ReasonCount { reason: string; count: number; rate: number | null }
export interface Duration { count: number; median: number | null; p90: number | null }
export interface Metrics {
  volume: number;
  conversion: Rate;
  leakage: Rate;
  leakage_reasons: ReasonCount[];
  decline: Rate;
  decline_reasons: ReasonCount[];
  time_to_first_contact_hours: Duration;
  time_to_appointment_days: Duration;
  no_show: Rate;
  loop_closure: Rate;
  loop_closure_time_hours: Duration;
}
export interface Bucket extends Metrics { start: string; end: string }
export interface Summary {
  from: string;
  to: string;
  group_by: 'week' | 'month' | null;
  totals: Metrics;
  series: Bucket[];
  status_counts: { status: ReferralStatus; count: number }[];
  top_referrers: { referring_provider_id: string; name: string | null; volume: number; conversion: Rate }[];
}
