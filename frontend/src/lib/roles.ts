// What each role sees. The API enforces access; this only keeps navigation to what a role can use.
import type { Role } from '../api/contracts';

export type Section = 'work-queue' | 'pipeline' | 'new-referral' | 'tasks' | 'providers' | 'dashboard' | 'messages' | 'templates' | 'admin'
  | 'relationships' | 'referrers' | 'programs' | 'directory-import' | 'directory-hygiene';

const SECTIONS: Record<Role, Section[]> = {
  admin: ['pipeline', 'work-queue', 'new-referral', 'tasks', 'providers', 'directory-hygiene', 'directory-import', 'dashboard', 'referrers', 'programs', 'messages', 'templates', 'admin'],
  // The coordinator starts from what is most at risk: their work queue.
  intake: ['work-queue', 'pipeline', 'new-referral', 'tasks', 'providers', 'messages', 'templates'],
  liaison: ['providers', 'relationships', 'referrers', 'programs', 'directory-hygiene', 'directory-import', 'pipeline', 'tasks', 'dashboard', 'messages', 'templates'],
  clinician: ['pipeline', 'work-queue', 'tasks', 'messages'],
  analyst: ['dashboard', 'referrers', 'programs'],
  referrer: [], // the portal has its own area (src/portal)
};

export function sectionsFor(role: Role | undefined): Section[] {
  return role ? SECTIONS[role] ?? [] : [];
}

export function canSee(role: Role | undefined, section: Section): boolean {
  return sectionsFor(role).includes(section);
}

export const SECTION_PATH: Record<Section, string> = {
  'work-queue': '/work-queue',
  pipeline: '/referrals',
  'new-referral': '/referrals/new',
  tasks: '/tasks',
  providers: '/providers',
  dashboard: '/dashboard',
  messages: '/messages',
  templates: '/templates',
  admin: '/admin',
  relationships: '/relationships',
  referrers: '/referrers',
  programs: '/programs',
  'directory-import': '/providers/import',
  'directory-hygiene': '/providers/hygiene',
};

/** Where a role lands after signing in. */
export function homeFor(role: Role | undefined): string {
  if (role === 'referrer') return '/portal';
  const first = sectionsFor(role)[0];
  return first ? SECTION_PATH[first] : '/login';
}

/** Roles that may move a referral or book its appointment (the API's permission matrix). */
export function canMoveReferrals(role: Role | undefined): boolean {
  return role === 'admin' || role === 'intake' || role === 'clinician';
}

/** The provider-relations team (the API's permission matrix): reviews and merges duplicate providers. */
export function canReviewDuplicates(role: Role | undefined): boolean {
  return role === 'admin' || role === 'liaison';
}

/** Who may look up one provider's likely duplicates (intake too, when adding providers), without merging. */
export function canSeeDuplicates(role: Role | undefined): boolean {
  return canReviewDuplicates(role) || role === 'intake';
}
