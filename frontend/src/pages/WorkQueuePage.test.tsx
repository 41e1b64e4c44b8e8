import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { nextMove, WorkQueuePage } from './WorkQueuePage';
import { json, renderWithApp, stubApi } from '../test/render';
import type { WorkItem } from '../api/contracts';

const item = (over: Partial<WorkItem>): WorkItem => ({
  type: 'referral', id: 'r1', referral_id: 'r1', label: 'Ana L. · cardiology', status: 'received', urgency: 'routine',
  due_at: null, sla_state: 'on_track', queue: 'cardiology-intake', assignee_id: null, next_moves: ['accepted', 'needs_info', 'declined'], ...over,
});

describe('work queue', () => {
  it('offers the natural next step for each status', () => {
    expect(nextMove(item({}))).toMatchObject({ kind: 'move', to: 'accepted' });
    expect(nextMove(item({ status: 'accepted', next_moves: ['scheduled', 'cancelled'] }))).toMatchObject({ kind: 'open', label: 'Book appointment' });
    expect(nextMove(item({ status: 'completed', next_moves: ['closed'] }))).toMatchObject({ kind: 'move', to: 'closed' });
    expect(nextMove(item({ type: 'task', status: 'open', next_moves: ['done'] }))).toMatchObject({ kind: 'done' });
  });

  it('keeps the server order, shows breached clocks as breached, and accepts in one click', async () => {
    const past = new Date(Date.now() - 3 * 3600_000).toISOString();
    const soon = new Date(Date.now() + 2 * 3600_000).toISOString();
    const calls = stubApi({
      'GET /v1/work-queue': () => json({ queues: ['cardiology-intake'], items: [
        item({ id: 'r1', referral_id: 'r1', label: 'Bea B. · cardiology', due_at: past, sla_state: 'breached' }),
        item({ id: 'r2', referral_id: 'r2', label: 'Ana A. · cardiology', due_at: soon, sla_state: 'at_risk' }),
      ] }),
      'GET /v1/colleagues': () => json({ items: [], queues: ['cardiology-intake'] }),
      'GET /v1/referrals/r1': () => json({ id: 'r1', version: 7, status: 'received' }),
      'POST /v1/referrals/r1/transitions': () => json({ id: 'r1', version: 8, status: 'accepted' }),
    });
    renderWithApp(<WorkQueuePage />);
    const table = await screen.findByRole('table', { name: 'Work queue' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows[0]).toHaveTextContent('Bea B.');
    expect(rows[0].querySelector('[data-sla-state]')?.getAttribute('data-sla-state')).toBe('breached');
    expect(rows[0]).toHaveTextContent(/over by 3 h/);
    expect(rows[1].querySelector('[data-sla-state]')?.getAttribute('data-sla-state')).toBe('at_risk');

    await userEvent.click(within(rows[0]).getByRole('button', { name: /^Accept:/ }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(JSON.parse(post.body)).toEqual({ to: 'accepted' });
  });

  it('assigns the selected referral and task to a colleague, each with the version just read', async () => {
    const ifMatch: Record<string, string | null> = {};
    const patched: Record<string, unknown> = {};
    const record = (key: string) => async (_url: URL, req: Request) => {
      ifMatch[key] = req.headers.get('If-Match');
      patched[key] = await req.json();
      return json({ id: key });
    };
    stubApi({
      'GET /v1/work-queue': () => json({ queues: [], items: [
        item({ id: 'r1', referral_id: 'r1', label: 'Bea B. · cardiology' }),
        item({ type: 'task', id: 't1', referral_id: 'r1', label: 'Call the patient', status: 'open', urgency: 'normal', next_moves: ['done'] }),
      ] }),
      'GET /v1/colleagues': () => json({ items: [{ id: 'u2', full_name: 'Sam Lee', role: 'intake', queue: null }], queues: ['cardiology-intake'] }),
      'GET /v1/referrals/r1': () => json({ id: 'r1', version: 4, status: 'received' }),
      'GET /v1/tasks/t1': () => json({ id: 't1', version: 9, status: 'open' }),
      'PATCH /v1/referrals/r1': record('r1'),
      'PATCH /v1/tasks/t1': record('t1'),
    });
    renderWithApp(<WorkQueuePage />);
    await screen.findByRole('table', { name: 'Work queue' });
    await userEvent.click(screen.getByRole('checkbox', { name: 'Select all' }));
    await userEvent.click(screen.getByRole('button', { name: 'Assign selected (2)' }));
    await userEvent.click(await screen.findByRole('combobox', { name: /Colleague/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'Sam Lee (intake)', hidden: true }));
    await userEvent.click(screen.getByRole('button', { name: 'Assign' }));
    await waitFor(() => expect(Object.keys(patched)).toHaveLength(2));
    expect(patched).toEqual({ r1: { assignee_id: 'u2' }, t1: { assignee_id: 'u2' } });
    expect(ifMatch).toEqual({ r1: '"4"', t1: '"9"' });
  });
});
