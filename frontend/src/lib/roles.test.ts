import { canSee, homeFor, sectionsFor } from './roles';

describe('navigation by role', () => {
  it('shows an analyst aggregates only: the dashboard, referrer figures and ROI', () => {
    expect(sectionsFor('analyst')).toEqual(['dashboard', 'referrers', 'programs']);
    expect(canSee('analyst', 'pipeline')).toBe(false);
    expect(homeFor('analyst')).toBe('/dashboard');
  });

  it('starts a liaison in the directory and an intake coordinator in their work queue', () => {
    expect(homeFor('liaison')).toBe('/providers');
    expect(canSee('liaison', 'pipeline')).toBe(true);
    expect(canSee('liaison', 'new-referral')).toBe(false);
    expect(homeFor('intake')).toBe('/work-queue');
    expect(canSee('intake', 'pipeline')).toBe(true);
    expect(canSee('intake', 'tasks')).toBe(true);
  });

  it('gives nothing to someone not signed in', () => {
    expect(sectionsFor(undefined)).toEqual([]);
    expect(homeFor(undefined)).toBe('/login');
  });
});
