import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { DirectoryHygienePage } from './DirectoryHygienePage';
import { json, renderWithApp, stubApi } from '../test/render';

const item = (kind: string, action: string, problem: string) => ({
  kind, provider_id: 'p1', provider_name: 'Ana Silva', npi: '1234567893', problem,
  fix: { action, label: action === 'verify' ? 'Confirm the record and mark it verified' : 'Add the NPI', href: '/providers/p1',
    api: action === 'verify' ? 'POST /v1/providers/p1/verify' : 'PATCH /v1/providers/p1' },
});

describe('directory hygiene to-do list', () => {
  it('lists each item with its fix, and verifying removes the stale one', async () => {
    let verified = false;
    const calls = stubApi({
      'GET /v1/directory/hygiene': () => json(verified
        ? { counts: { missing_npi: 1 }, total: 1, items: [item('missing_npi', 'edit', 'No NPI')] }
        : { counts: { missing_npi: 1, not_verified: 1 }, total: 2, items: [item('missing_npi', 'edit', 'No NPI'),
          item('not_verified', 'verify', 'Not verified for 12 months: never verified')] }),
      'POST /v1/providers/p1/verify': () => { verified = true; return json({ id: 'p1' }); },
    });
    renderWithApp(<DirectoryHygienePage />);
    expect(await screen.findByRole('heading', { name: 'Not verified for 12 months (1)' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Add the NPI' })).toHaveAttribute('href', '/providers/p1');
    await userEvent.click(screen.getByRole('button', { name: 'Mark verified' }));
    await waitFor(() => expect(screen.queryByRole('heading', { name: /Not verified/ })).not.toBeInTheDocument());
    expect(calls.some((c) => c.method === 'POST' && c.url.pathname === '/v1/providers/p1/verify')).toBe(true);
  });

  it('marks a bounced address as good', async () => {
    let good = false;
    const calls = stubApi({
      'GET /v1/directory/hygiene': () => json(good
        ? { counts: {}, total: 0, items: [] }
        : { counts: { bad_contact_point: 1 }, total: 1,
          items: [item('bad_contact_point', 'edit', 'A contact point bounced or was refused: ana@riverside.example')] }),
      'POST /v1/providers/p1/contact-points/good': () => { good = true; return json({ id: 'p1' }); },
    });
    renderWithApp(<DirectoryHygienePage />);
    expect(await screen.findByText('A contact point bounced or was refused: ana@riverside.example')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Mark as good' }));
    expect(await screen.findByText('Nothing to fix: the directory is clean.')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST' && c.url.pathname === '/v1/providers/p1/contact-points/good')).toBe(true);
  });

  it('says so when there is nothing to fix', async () => {
    stubApi({ 'GET /v1/directory/hygiene': () => json({ counts: {}, total: 0, items: [] }) });
    renderWithApp(<DirectoryHygienePage />);
    expect(await screen.findByText('Nothing to fix: the directory is clean.')).toBeInTheDocument();
  });
});
