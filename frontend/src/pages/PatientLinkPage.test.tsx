import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router-dom';
import { PatientLinkPage, visitTime } from './PatientLinkPage';
import { json, renderWithApp, stubApi } from '../test/render';

function openLink(token: string) {
  return renderWithApp(
    <Routes>
      <Route path="/a/:token" element={<PatientLinkPage />} />
    </Routes>,
    { route: `/a/${token}` },
  );
}

const view = (confirmed = false) => ({
  first_name: 'Maria',
  appointment: { start: '2026-12-10T15:30:00Z', end: null, location: 'Building B, 2nd floor', service_line: 'Cardiology',
    time_zone: 'America/Chicago', confirmed },
  practice: { name: 'Lakeside Specialty Clinic', phone: '(555) 010-0100' },
  preparation: 'Do not eat for 4 hours before the visit.',
});
const problem = (status: number, detail: string, errors?: { field: string; message: string }[]) =>
  json({ title: 'Refused', status, detail, errors }, status, 'application/problem+json');

describe('the page behind a patient appointment link', () => {
  it('shows the visit in the practice time zone, with how to prepare, and confirms it', async () => {
    const calls = stubApi({
      'GET /v1/patient-links/tok-1': () => json(view()),
      'POST /v1/patient-links/tok-1/confirm': () => json(view(true)),
    });
    openLink('tok-1');
    expect(await screen.findByRole('heading', { name: 'Hello Maria' })).toBeInTheDocument();
    expect(screen.getByText('Thursday, December 10, 2026')).toBeInTheDocument();
    expect(screen.getByText('9:30 AM CST')).toBeInTheDocument();
    expect(screen.getByText('Do not eat for 4 hours before the visit.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Confirm I will come' }));
    expect(await screen.findByRole('status')).toHaveTextContent('your visit is confirmed');
    expect(screen.getByText('You have confirmed this visit.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Confirm I will come' })).not.toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.url.pathname)).toEqual(['/v1/patient-links/tok-1/confirm']);
  });

  it('cancels with a reason, and then offers nothing more to do', async () => {
    const calls = stubApi({
      'GET /v1/patient-links/tok-2': () => json(view()),
      'POST /v1/patient-links/tok-2/cancel': () => json({ at: '2026-12-04T10:00:00Z' }),
    });
    openLink('tok-2');
    await userEvent.click(await screen.findByRole('button', { name: 'Cancel' }));
    const submit = screen.getByRole('button', { name: 'Cancel my appointment' });
    expect(submit).toBeDisabled();
    await userEvent.type(screen.getByLabelText(/Why are you cancelling/), 'I am travelling that week');
    await userEvent.click(submit);
    expect(await screen.findByRole('status')).toHaveTextContent('Your appointment is cancelled');
    expect(screen.queryByRole('button', { name: 'Ask a question' })).not.toBeInTheDocument();
    const sent = calls.find((c) => c.url.pathname.endsWith('/cancel'));
    expect(JSON.parse(sent!.body)).toEqual({ reason: 'I am travelling that week' });
  });

  it('shows a refused question beside its field', async () => {
    stubApi({
      'GET /v1/patient-links/tok-3': () => json(view()),
      'POST /v1/patient-links/tok-3/question': () => problem(422, 'Invalid input',
        [{ field: 'body.question', message: 'question: at most 2000 characters.' }]),
    });
    openLink('tok-3');
    await userEvent.click(await screen.findByRole('button', { name: 'Ask a question' }));
    await userEvent.type(screen.getByLabelText(/Your question/), 'Can I park on site?');
    await userEvent.click(screen.getByRole('button', { name: 'Send question' }));
    expect(await screen.findByText('question: at most 2000 characters.')).toBeInTheDocument();
  });

  it('says plainly that a dead link does not work, and whom to call', async () => {
    stubApi({
      'GET /v1/patient-links/old': () => problem(404, 'This link does not work: it may have expired. Please call us at (555) 010-0100.'),
    });
    openLink('old');
    expect(await screen.findByRole('heading', { name: 'This link does not work' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('call us at (555) 010-0100');
  });

  it('formats the time in the zone given, not the browser\'s', () => {
    expect(visitTime('2026-07-01T13:00:00Z', 'America/New_York')).toEqual({ day: 'Wednesday, July 1, 2026', time: '9:00 AM EDT' });
  });
});
