import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MessageThread } from './MessageThread';
import { json, renderWithApp, stubApi } from '../../test/render';

const ID = '00000000-0000-4000-8000-000000000002';
const first = { id: 'm1', referral_id: ID, at: '2026-12-01T10:00:00Z', side: 'practice', author_name: 'Dana Whitfield', body: 'Echo attached.' };

describe('a referral message thread', () => {
  it('shows both sides and sends a reply, then reloads the thread', async () => {
    let thread = [first];
    const calls = stubApi({
      [`GET /v1/referrals/${ID}/messages-thread`]: () => json(thread),
      [`POST /v1/referrals/${ID}/messages-thread`]: () => {
        const reply = { ...first, id: 'm2', side: 'intake', author_name: 'Sam Ortiz', body: 'Booked for 9 am.' };
        thread = [first, reply];
        return json(reply, 201);
      },
    });
    renderWithApp(<MessageThread referralId={ID} side="intake" />);
    expect(await screen.findByText('Echo attached.')).toBeInTheDocument();
    expect(screen.getByText(/the referring practice that a message waits/)).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(/New message/), 'Booked for 9 am.');
    await userEvent.click(screen.getByRole('button', { name: 'Send message' }));
    expect(await screen.findByText('Booked for 9 am.', { selector: 'p' })).toBeInTheDocument();
    expect(JSON.parse(calls.find((c) => c.method === 'POST')!.body!)).toEqual({ body: 'Booked for 9 am.' });
  });

  it('names a refused message in words and keeps the text', async () => {
    stubApi({
      [`GET /v1/referrals/${ID}/messages-thread`]: () => json([]),
      [`POST /v1/referrals/${ID}/messages-thread`]: () => json(
        { title: 'Invalid request', status: 422, detail: 'The text contains a NUL byte.' }, 422, 'application/problem+json'),
    });
    renderWithApp(<MessageThread referralId={ID} side="practice" />);
    await screen.findByText('No messages yet.');
    await userEvent.type(screen.getByLabelText(/New message/), 'Hello');
    await userEvent.click(screen.getByRole('button', { name: 'Send message' }));
    expect(await screen.findByText('The text contains a NUL byte.')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByLabelText(/New message/)).toHaveValue('Hello'));
  });
});
