import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { DuplicatesPage } from './DuplicatesPage';
import { PatternsMatrix } from '../components/directory/ReferralPatterns';
import { json, renderWithApp, stubApi } from '../test/render';
import type { Provider, ReferralPatterns } from '../api/contracts';
import { compareFields, mergeRequest } from '../lib/merge';
import { tokenStore } from '../auth/tokens';

/** Signed in with this role: the page asks who is signed in before offering to merge. */
function signedInAs(role: string) {
  tokenStore.set({ access_token: `token-${role}`, refresh_token: 'r', token_type: 'bearer', expires_in: 900 });
  return { 'GET /v1/auth/me': () => json({ id: 'u1', email: 'u@x.org', full_name: 'U', role, queue: null, password_change_required: false }) };
}

afterEach(() => tokenStore.clear());

const provider = (over: Partial<Provider>): Provider => ({
  id: 'p1', version: 1, npi: null, prefix: null, given_name: 'Robert', family_name: 'Halloway', suffix: null, credentials: ['MD'],
  specialties: [], kind: 'external', status: 'active', merged_into_id: null, preferred_contact_method: null, contact_points: [],
  affiliations: [], staff: [], notes: null, created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z', ...over,
});

const robert = provider({ id: 'a', npi: '1234567893', contact_points: [{ system: 'phone', value: '+16145550100', use: null }] });
const bob = provider({ id: 'b', given_name: 'Bob', notes: 'prefers fax', contact_points: [{ system: 'fax', value: '+16145550101', use: null }] });
const pair = { score: 0.97, reasons: ['same phone', 'names 0.98 similar', 'same ZIP'], first: robert, second: bob };
const merge = {
  id: 'm1', survivor_id: 'a', merged_id: 'b', survivor_name: 'Robert Halloway', merged_name: 'Bob Halloway',
  merged_at: new Date().toISOString(), merged_by: 'user:1', undo_until: new Date(Date.now() + 30 * 86_400_000).toISOString(),
  undone_at: null, undone_by: null, moved: { 'referrals.referring_provider_id': 2 },
};

describe('merge choices', () => {
  it('compares field by field and sends survivor/merged per differing field', () => {
    const rows = compareFields(robert, bob);
    expect(rows.filter((r) => !r.same).map((r) => r.field)).toEqual(['given_name', 'npi', 'contact_points', 'notes']);
    // Left survives; the right's given name is chosen; the right's note fills the left's empty one by default.
    expect(mergeRequest(robert, bob, 'first', { given_name: 'second' }, rows)).toEqual({
      survivor_id: 'a', merged_id: 'b', keep: { given_name: 'merged', npi: 'survivor', contact_points: 'both', notes: 'merged' },
    });
    expect(mergeRequest(robert, bob, 'second', {}, rows).keep).toMatchObject({ given_name: 'survivor', npi: 'merged' });
  });
});

describe('duplicates review', () => {
  it('shows the pair side by side with its reasons, highlights differences and merges with the chosen values', async () => {
    const calls = stubApi({
      ...signedInAs('liaison'),
      'GET /v1/directory/duplicates': () => json({ items: [pair], next_cursor: null }),
      'GET /v1/directory/merges': () => json([]),
      'POST /v1/directory/merges': () => json(merge, 201),
    });
    renderWithApp(<DuplicatesPage />);
    const table = await screen.findByRole('table', { name: 'Compare the two records' });
    expect(screen.getByText('same phone')).toBeInTheDocument();
    expect(screen.getByText('score 0.97')).toBeInTheDocument();
    const given = within(table).getByRole('row', { name: /Given name/ });
    expect(given).toHaveAttribute('data-differs', 'true');
    expect(within(table).getByRole('row', { name: /Family name/ })).toHaveAttribute('data-differs', 'false');
    await userEvent.click(within(within(given).getByRole('radiogroup')).getByLabelText('Right'));
    await userEvent.click(screen.getByRole('button', { name: 'Merge' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const sent = JSON.parse(calls.find((c) => c.method === 'POST')!.body);
    expect(sent).toMatchObject({ survivor_id: 'a', merged_id: 'b', keep: { given_name: 'merged', npi: 'survivor' } });
    expect(await screen.findByText(/Merged\. You can undo it/)).toBeInTheDocument();
  });

  it('marks a pair as not a duplicate and undoes a recent merge', async () => {
    const calls = stubApi({
      ...signedInAs('admin'),
      'GET /v1/directory/duplicates': () => json({ items: [pair], next_cursor: null }),
      'GET /v1/directory/merges': () => json([merge, { ...merge, id: 'm0', merged_name: 'Old Record', undo_until: '2026-01-01T00:00:00Z' }]),
      'POST /v1/directory/duplicates/dismissals': () => new Response(null, { status: 204 }),
      'POST /v1/directory/merges/m1/undo': () => json({ ...merge, undone_at: new Date().toISOString() }),
    });
    renderWithApp(<DuplicatesPage />);
    await userEvent.click(await screen.findByRole('button', { name: 'Not a duplicate' }));
    await waitFor(() => expect(calls.some((c) => c.url.pathname.endsWith('/dismissals'))).toBe(true));
    expect(JSON.parse(calls.find((c) => c.url.pathname.endsWith('/dismissals'))!.body)).toEqual({ provider_ids: ['a', 'b'] });
    expect(screen.getByRole('button', { name: 'Undo merge of Old Record' })).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Undo merge of Bob Halloway' }));
    expect(await screen.findByText('Bob Halloway is back as a separate record.')).toBeInTheDocument();
  });

  it('says when the queue was last refreshed and refreshes it on request', async () => {
    const run = { full: false, started_at: '2026-12-04T20:00:00Z', finished_at: '2026-12-04T20:00:02Z', rescored: 3, pairs: 1 };
    let listed = 0;
    const calls = stubApi({
      ...signedInAs('liaison'),
      'GET /v1/directory/duplicates': () => json({ items: listed++ ? [pair] : [], next_cursor: null }),
      'GET /v1/directory/duplicates/refresh': () => json(run),
      'POST /v1/directory/duplicates/refresh': () => json({ ...run, finished_at: '2026-12-04T20:05:00Z' }),
      'GET /v1/directory/merges': () => json([]),
    });
    renderWithApp(<DuplicatesPage />);
    expect(await screen.findByText(/Last refreshed/)).toBeInTheDocument();
    expect(await screen.findByText('No likely duplicates to review.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url.pathname.endsWith('/refresh'))).toBe(true));
    expect(await screen.findByRole('table', { name: 'Compare the two records' })).toBeInTheDocument();
    expect(screen.getByText(/Refreshed: pairs of records changed/)).toBeInTheDocument();
  });

  it("shows intake a provider's likely duplicates without offering to merge them", async () => {
    const calls = stubApi({
      ...signedInAs('intake'),
      'GET /v1/providers/a': () => json(robert),
      'GET /v1/providers/a/duplicates': () => json([{ provider: bob, score: 0.97, reasons: ['same phone'] }]),
    });
    renderWithApp(<DuplicatesPage />, { route: '/providers/duplicates?provider=a' });
    const table = await screen.findByRole('table', { name: 'Compare the two records' });
    expect(within(table).getByRole('row', { name: /Given name/ })).toHaveTextContent('RobertBob');
    expect(screen.queryByRole('button', { name: 'Merge' })).not.toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Recent merges' })).not.toBeInTheDocument();
    expect(calls.some((c) => c.url.pathname.startsWith('/v1/directory/'))).toBe(false);
  });
});

describe('referral patterns', () => {
  it('lays out service lines by receiving provider with counts and conversion', () => {
    const rate = (count: number, of: number) => ({ count, of, rate: of ? count / of : null });
    const data: ReferralPatterns = {
      provider_id: 'r', period_from: '2026-01-01T00:00:00Z', period_to: '2026-12-01T00:00:00Z', volume: 4, conversion: rate(2, 4),
      service_lines: [{ key: 'cardiology', label: 'cardiology', volume: 3, conversion: rate(2, 3) }, { key: 'orthopedics', label: 'orthopedics', volume: 1, conversion: rate(0, 1) }],
      receivers: [{ key: 'h', label: 'Ada Cardio', volume: 3, conversion: rate(2, 3) }, { key: '', label: 'Not yet assigned', volume: 1, conversion: rate(0, 1) }],
      flows: [
        { service_line: 'cardiology', receiving_provider_id: 'h', receiving_provider_name: 'Ada Cardio', volume: 3, conversion: rate(2, 3) },
        { service_line: 'orthopedics', receiving_provider_id: null, receiving_provider_name: null, volume: 1, conversion: rate(0, 1) },
      ],
    };
    renderWithApp(<PatternsMatrix data={data} />);
    const table = screen.getByRole('table', { name: 'Referrals by service line and receiving provider' });
    const cardiology = within(table).getByRole('row', { name: /Cardiology/ });
    expect(cardiology).toHaveTextContent('3 · 66.7%');
    expect(within(table).getByRole('row', { name: /Orthopedics/ })).toHaveTextContent('—1 · 0.0%');
    expect(within(table).getAllByRole('row').at(-1)).toHaveTextContent('4 · 50.0%');
  });
});
