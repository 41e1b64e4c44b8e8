// Names for the generated schema types the pages use.
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

export type Role = components['schemas']['Me']['role'];
export type Me = components['schemas']['Me'];
export type Task = components['schemas']['Task'];
export type TaskUpdate = components['schemas']['TaskUpdate'];
export type Provider = components['schemas']['Provider'];
export type StaffContact = components['schemas']['StaffContact'];
export type Affiliation = components['schemas']['Affiliation'];
export type Message = components['schemas']['Message'];
export type UserSummary = components['schemas']['User'];
export type Invitation = components['schemas']['Invitation'];
export type InvitationPreview = components['schemas']['InvitationPreview'];
export type Summary = components['schemas']['AnalyticsSummary'];
export type MessageDetail = components['schemas']['MessageDetail'];
export type MessageTemplate = components['schemas']['Template'];
export type TemplatePreview = components['schemas']['Preview'];
export type ReferenceEntry = components['schemas']['ReferenceEntry'];
export type ServiceLineEntry = components['schemas']['ServiceLineEntry'];
export type PayerEntry = components['schemas']['PayerEntry'];
export type ApiKey = components['schemas']['ApiKey'];
export type ApiKeyCreated = components['schemas']['ApiKeyCreated'];
export type EhrClient = components['schemas']['EhrClient'];
export type WebhookEndpoint = components['schemas']['WebhookEndpoint'];
export type WebhookDelivery = components['schemas']['WebhookDelivery'];
export type MessageKind = components['schemas']['MessageKind'];
export type AuditEvent = components['schemas']['AuditEvent'];
export type Organization = components['schemas']['Organization'];
export type CapturedMailSummary = components['schemas']['CapturedMailSummary'];
export type CapturedMail = components['schemas']['CapturedMail'];
export type ReferralDetail = components['schemas']['ReferralDetail'];
export type MilestoneSla = components['schemas']['MilestoneSla'];
export type WorkItem = components['schemas']['WorkItem'];
export type WorkQueueView = components['schemas']['WorkQueueView'];
export type DocumentMeta = components['schemas']['Document'];
export type DocumentKind = DocumentMeta['kind'];
export type CompletenessRule = components['schemas']['CompletenessRule'];
export type RequiredItem = components['schemas']['RequiredItem'];
export type RoutingRule = components['schemas']['RoutingRule'];
export type RoutingRuleWrite = components['schemas']['RoutingRuleWrite'];
export type RoutingProbe = components['schemas']['RoutingProbe'];
export type DryRunResult = components['schemas']['DryRunResult'];
export type BusinessCalendar = components['schemas']['BusinessCalendar'];
export type CalendarWrite = components['schemas']['CalendarWrite'];
export type SlaPolicy = components['schemas']['SlaPolicy'];
export type WorkQueue = components['schemas']['WorkQueue'];
export type ThreadMessage = components['schemas']['ThreadMessage'];
export type PortalEvent = components['schemas']['PortalEvent'];
export type CatalogEntry = components['schemas']['CatalogEntry'];
export type PracticeProvider = components['schemas']['PracticeProvider'];
export type PortalUser = components['schemas']['PortalUser'];
