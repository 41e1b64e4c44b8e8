// What each role sees. The API enforces access; this only keeps navigation to what a role can use.
import type { Role } from '../api/contracts';

export type Section = 'work-queue' | 'pipeline' | 'new-referral' | 'tasks' | 'providers' | 'dashboard' | 'messages' | 'templates' | 'admin'
  | 'relationships' | 'referrers' | 'programs';

const SECTIONS: Record<Role, Section[]> = {
  admin: ['pipeline', 'work-queue', 'new-referral', 'tasks', 'providers', 'dashboard', 'referrers', 'programs', 'messages', 'templates', 'admin'],
  // The coordinator starts from what is most at risk: their work queue.
  intake: ['work-queue', 'pipeline', 'new-referral', 'tasks', 'providers', 'messages', 'templates'],
  liaison: ['providers', 'relationships', 'referrers', 'programs', 'pipeline', 'tasks', 'dashboard', 'messages', 'templates'],
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
