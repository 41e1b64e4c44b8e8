import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router-dom';
import { AcceptInvitationPage } from './AcceptInvitationPage';
import { json, renderWithApp, stubApi } from '../test/render';

function openLink(token: string) {
  return renderWithApp(
    <Routes>
      <Route path="/invite/:token" element={<AcceptInvitationPage />} />
      <Route path="/work-queue" element={<p>Work queue</p>} />
    </Routes>,
    { route: `/invite/${token}` },
  );
}

const preview = { purpose: 'invite', email: 'nora@clinic.test', full_name: 'Nora Lind', expires_at: '2026-12-07T09:00:00Z' };

describe('the page behind an invitation link', () => {
  afterEach(() => sessionStorage.clear());

  it('says plainly why a used link no longer works', async () => {
    stubApi({
      'POST /v1/auth/invitation': () => json({ title: 'Link no longer works', status: 410, reason: 'accepted',
        detail: 'This link was used already. Sign in with the password chosen then, or ask an administrator for a new link.' },
      410, 'application/problem+json'),
    });
    openLink('spent');
    expect(await screen.findByRole('heading', { name: 'This link does not work' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('This link was used already.');
    expect(screen.getByRole('link', { name: 'Go to sign-in' })).toBeInTheDocument();
  });

  it('shows a refused password beside its field, then signs the person in', async () => {
    let attempts = 0;
    const calls = stubApi({
      'POST /v1/auth/invitation': () => json(preview),
      'POST /v1/auth/invitation/accept': () => (++attempts === 1
        ? json({ title: 'Invalid input', status: 422, detail: 'The password must not contain your name.',
          errors: [{ field: 'body.password', message: 'The password must not contain your name.' }] }, 422, 'application/problem+json')
        : json({ access_token: 'a', refresh_token: 'r', token_type: 'bearer', expires_in: 900 })),
      'GET /v1/auth/me': () => json({ id: 'u1', email: preview.email, full_name: preview.full_name, role: 'intake', queue: null,
        password_change_required: false }),
    });
    openLink('fresh-token');
    expect(await screen.findByRole('heading', { name: 'Welcome, Nora Lind' })).toBeInTheDocument();
    const [password, repeat] = [screen.getByLabelText(/^Password/), screen.getByLabelText(/^Repeat the password/)];
    await userEvent.type(password, 'nora lind 2031 x');
    await userEvent.type(repeat, 'nora lind 2031 x');
    await userEvent.click(screen.getByRole('button', { name: 'Set password and sign in' }));
    expect(await screen.findByText('The password must not contain your name.')).toBeInTheDocument();

    await userEvent.clear(password);
    await userEvent.clear(repeat);
    await userEvent.type(password, 'harbour lights 2031');
    await userEvent.type(repeat, 'harbour lights 2031');
    await userEvent.click(screen.getByRole('button', { name: 'Set password and sign in' }));
    expect(await screen.findByText('Work queue')).toBeInTheDocument();
    const accepted = calls.filter((c) => c.url.pathname === '/v1/auth/invitation/accept').at(-1);
    expect(JSON.parse(accepted!.body)).toEqual({ token: 'fresh-token', password: 'harbour lights 2031' });
  });
});
