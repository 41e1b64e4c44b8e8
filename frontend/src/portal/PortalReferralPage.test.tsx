import { screen } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { PortalReferralPage } from './PortalReferralPage';
import { closureNote, currentAppointment } from './queries';
import { json, renderWithApp, stubApi } from '../test/render';
import type { PortalEvent } from '../api/contracts';

const ID = '00000000-0000-4000-8000-000000000003';
const event = (over: Partial<PortalEvent>): PortalEvent => ({ id: crypto.randomUUID(), at: '2026-12-01T10:00:00Z', kind: 'transition', from_status: null,
  to_status: null, reason: null, note: null, missing_items: null, appointment_start: null, ...over } as PortalEvent);
const events = [
  event({ kind: 'created' }),
  event({ kind: 'appointment', reason: 'booked', appointment_start: '2030-01-02T15:00:00Z' }),
  event({ from_status: 'scheduled', to_status: 'completed', note: 'Stable angina; beta blocker started.' }),
];

describe('the practice\'s referral page', () => {
  it('shows the appointment, the visit summary and the practice timeline, and reads nothing of staff', async () => {
    const calls = stubApi({
      [`GET /v1/referrals/${ID}`]: () => json({ id: ID, status: 'completed', version: 4, sla: [], info_request: null,
        patient: { given_name: 'Maria', family_name: 'Lopez' }, service_line: 'cardiology', urgency: 'routine',
        received_at: '2026-11-20T10:00:00Z' }),
      [`GET /v1/referrals/${ID}/portal-events`]: () => json(events),
      [`GET /v1/referrals/${ID}/documents`]: () => json([]),
      [`GET /v1/referrals/${ID}/messages-thread`]: () => json([]),
    });
    renderWithApp(<Routes><Route path="/portal/referrals/:id" element={<PortalReferralPage />} /></Routes>,
      { route: `/portal/referrals/${ID}` });
    expect(await screen.findByRole('heading', { name: 'Maria Lopez' })).toBeInTheDocument();
    expect(await screen.findByTestId('portal-appointment')).toHaveTextContent('2030');
    expect(screen.getAllByText('Stable angina; beta blocker started.').length).toBeGreaterThan(0);
    expect(screen.getByText(/Appointment booked for/)).toBeInTheDocument();
    expect(calls.map((c) => c.url.pathname).filter((p) => p.endsWith('/events') || p.includes('/appointments'))).toEqual([]);
  });

  it('drops a cancelled appointment and finds the visit summary', () => {
    const cancelled = [...events.slice(0, 2), event({ kind: 'appointment', reason: 'cancelled', appointment_start: '2030-01-02T15:00:00Z' })];
    expect(currentAppointment(cancelled)).toBeNull();
    expect(currentAppointment(events)).toBe('2030-01-02T15:00:00Z');
    expect(closureNote(events)?.note).toBe('Stable angina; beta blocker started.');
    expect(closureNote(cancelled)).toBeNull();
  });
});
