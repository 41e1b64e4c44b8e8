import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Provider } from '../api/contracts';
import { ProviderRecordForm } from './ProviderRecordForm';
import { json, renderWithApp, stubApi } from '../test/render';

const provider = {
  id: 'p1', version: 3, npi: '1234567893', given_name: 'Ana', family_name: 'Silva', status: 'active',
  preferred_contact_method: 'email', verified_at: null, specialties: [], affiliations: [],
  contact_points: [{ system: 'email', value: 'gone@clinic.example', bad: true, bad_reason: '550 mailbox unavailable' }],
} as unknown as Provider;

describe('directory record form', () => {
  it('shows a bounced address and marks it good', async () => {
    const calls = stubApi({
      'GET /v1/reference/specialties': () => json([]),
      'POST /v1/providers/p1/contact-points/good': () => json({ ...provider, contact_points: [{ system: 'email', value: 'gone@clinic.example' }] }),
    });
    renderWithApp(<ProviderRecordForm provider={provider} />);
    expect(screen.getByText(/Bounced: 550 mailbox unavailable/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Mark as good' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url.pathname === '/v1/providers/p1/contact-points/good')).toBe(true));
  });

  it('offers nothing to mark when the address is good', () => {
    stubApi({ 'GET /v1/reference/specialties': () => json([]) });
    renderWithApp(<ProviderRecordForm provider={{ ...provider, contact_points: [{ system: 'email', value: 'ok@clinic.example' }] } as Provider} />);
    expect(screen.queryByRole('button', { name: 'Mark as good' })).not.toBeInTheDocument();
  });
});
