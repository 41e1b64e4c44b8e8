import { fireEvent, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { RoutingSection } from './RoutingSection';
import { json, renderWithApp, stubApi } from '../../test/render';

const QUEUE = { id: 'q1', name: 'Cardiology desk', version: 1, lead_id: null, calendar_id: null, member_ids: [] };

describe('routing rules', () => {
  it('shows the server refusing a rule without conditions beside the conditions, in words', async () => {
    stubApi({
      'GET /v1/routing-rules': () => json([]),
      'GET /v1/work-queues': () => json([QUEUE]),
      'GET /v1/reference/service-lines': () => json([{ key: 'cardiology', display: 'Cardiology', specialty_code: null }]),
      'GET /v1/reference/payer-classes': () => json([]),
      'POST /v1/routing-rules': () => json({
        title: 'Invalid request', status: 422,
        errors: [{ field: 'body.conditions', message: 'Conditions: a rule needs at least one condition.' }],
      }, 422, 'application/problem+json'),
    });
    renderWithApp(<RoutingSection />);
    await screen.findByText('No routing rules: new referrals stay unassigned.', {}, { timeout: 5000 });
    await userEvent.click(screen.getByRole('button', { name: 'Add rule' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add routing rule' });
    fireEvent.change(screen.getByRole('textbox', { name: /Name/ }), { target: { value: 'Cardiology first' } });
    await userEvent.click(screen.getByRole('combobox', { name: /Queue/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'Cardiology desk', hidden: true }));
    await userEvent.click(screen.getByRole('button', { name: 'Save rule' }));
    expect(await screen.findByText('Conditions: a rule needs at least one condition.')).toBeInTheDocument();
    expect(dialog).toBeInTheDocument();
  });

  it('shows which rule a dry run matches and why', async () => {
    stubApi({
      'GET /v1/routing-rules': () => json([{ id: 'r1', name: 'Cardiology first', position: 0, active: true, conditions: { service_line: ['cardiology'] },
        queue_id: 'q1', strategy: 'round_robin', version: 1, created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z' }]),
      'GET /v1/work-queues': () => json([QUEUE]),
      'GET /v1/reference/service-lines': () => json([{ key: 'cardiology', display: 'Cardiology', specialty_code: null }]),
      'GET /v1/reference/payer-classes': () => json([]),
      'POST /v1/routing-rules/dry-run': () => json({
        matched_rule_id: 'r1', queue: 'Cardiology desk', strategy: 'round_robin', next_assignee_id: null, referrer_tier: null,
        evaluations: [{ rule_id: 'r1', name: 'Cardiology first', matched: true, reasons: ['service_line cardiology is one of cardiology'] }],
      }),
    });
    renderWithApp(<RoutingSection />);
    await screen.findByText('Service line: Cardiology', {}, { timeout: 5000 });
    await userEvent.click(screen.getAllByRole('combobox', { name: /Service line/ })[0]);
    await userEvent.click(await screen.findByRole('option', { name: 'Cardiology', hidden: true }));
    await userEvent.click(screen.getByRole('button', { name: 'Run dry run' }));
    expect(await screen.findByText('Matches “Cardiology first”')).toBeInTheDocument();
    expect(screen.getByText(/service_line cardiology is one of cardiology/)).toBeInTheDocument();
  });
});
