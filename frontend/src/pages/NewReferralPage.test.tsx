import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { NewReferralPage } from './NewReferralPage';
import { json, renderWithApp, stubApi } from '../test/render';

const REFERENCE = {
  'GET /v1/reference/service-lines': () => json([
    { key: 'cardiology', display: 'Cardiology', specialty_code: '207RC0000X' },
    { key: 'orthopedics', display: 'Orthopedics', specialty_code: '207X00000X' },
  ]),
  'GET /v1/reference/specialties': () => json([{ key: '207RC0000X', display: 'Cardiovascular Disease' }]),
  'GET /v1/reference/payer-classes': () => json([{ key: 'commercial', display: 'Commercial insurance' }]),
  'GET /v1/reference/payers': () => json([{ name: 'Aetna', payer_class: 'commercial' }]),
};

function fill(label: RegExp, value: string) {
  fireEvent.change(screen.getByLabelText(label, { selector: 'input' }), { target: { value } });
}

async function fillRequired({ withSource = true } = {}) {
  fill(/Given name/, 'Ana');
  fill(/Family name/, 'Lopez');
  fill(/Birth date/, '2090-01-01');
  await userEvent.click(screen.getByRole('combobox', { name: /Service line/ }));
  await userEvent.click(await screen.findByRole('option', { name: 'Cardiology', hidden: true }));
  if (withSource) {
    await userEvent.click(screen.getByRole('combobox', { name: /Referral source/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'Physician', hidden: true }));
  }
}

describe('new referral form', () => {
  it('will not send a referral without its source, and says so on the field', async () => {
    const calls = stubApi({ 'GET /v1/providers': () => json({ items: [], next_cursor: null }), ...REFERENCE });
    renderWithApp(<NewReferralPage />);
    await fillRequired({ withSource: false });
    await userEvent.click(screen.getByRole('button', { name: 'Create referral' }));
    expect(await screen.findByText('Choose who sent the patient')).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  it('shows the API validation message on the field it names', async () => {
    const calls = stubApi({
      'GET /v1/providers': () => json({ items: [], next_cursor: null }), ...REFERENCE,
      'POST /v1/referrals': () => json({
        type: 'https://refloop.dev/problems/validation', title: 'Invalid request', status: 422,
        errors: [
          { field: 'body.patient.birth_date', message: 'Birth date 2090-01-01 is in the future.' },
          { field: 'body.patient.email', message: "Email address 'not-an-email': value is not a valid email address." },
        ],
      }, 422, 'application/problem+json'),
    });
    renderWithApp(<NewReferralPage />);
    await fillRequired();
    fill(/Email/, 'not-an-email');
    await userEvent.click(screen.getByRole('button', { name: 'Create referral' }));

    const birth = screen.getByLabelText(/Birth date/, { selector: 'input' });
    await waitFor(() => expect(birth).toHaveAttribute('aria-invalid', 'true'));
    expect(birth).toHaveAccessibleDescription('Birth date 2090-01-01 is in the future.');
    expect(screen.getByLabelText(/Email/, { selector: 'input' })).toHaveAccessibleDescription(/not a valid email/);
    expect(screen.getByLabelText(/Given name/, { selector: 'input' })).not.toHaveAttribute('aria-invalid', 'true');

    const post = calls.find((c) => c.method === 'POST')!;
    const body = JSON.parse(post.body);
    expect(body.referral_source).toBe('physician');
    // The stored key, not the words on screen; the line's specialty comes with it.
    expect(body.service_line).toBe('cardiology');
    expect(body).toMatchObject({ specialty_code: '207RC0000X', specialty_display: 'Cardiovascular Disease' });
    expect(body.patient).toMatchObject({ given_name: 'Ana', family_name: 'Lopez', birth_date: '2090-01-01', email: 'not-an-email' });
  });

  it('in the portal, shows the line\'s completeness rules up front, offers the practice\'s providers and finds ICD-10 codes', async () => {
    const calls = stubApi({
      ...REFERENCE,
      'GET /v1/portal/providers': () => json([{ id: 'p1', npi: null, display_name: 'Dr. Ada Byrne' }]),
      'GET /v1/completeness-rules': () => json([{ service_line: 'cardiology', version: 1, updated_at: '2026-12-01T00:00:00Z',
        remind_every_days: 2, decline_after_days: 10, items: [{ field: 'icd10_codes' }, { document: 'clinical_note' }] }]),
      'GET /v1/reference/icd10': () => json([{ key: 'I48.91', display: 'Unspecified atrial fibrillation' }]),
      'POST /v1/referrals': () => json({ type: 'x', title: 'Invalid request', status: 422, detail: 'stop here' }, 422, 'application/problem+json'),
    });
    renderWithApp(<NewReferralPage portal />);
    await fillRequired();
    const required = await screen.findByRole('list', { name: 'Required items' });
    expect(required).toHaveTextContent('Icd10 codes');
    expect(required).toHaveTextContent('a document: Clinical note');
    await userEvent.click(screen.getByRole('combobox', { name: /Referring provider/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'Dr. Ada Byrne', hidden: true }));
    await userEvent.type(screen.getByLabelText(/ICD-10 codes/, { selector: 'input' }), 'atrial');
    await userEvent.click(await screen.findByRole('option', { name: /I48.91 Unspecified atrial fibrillation/, hidden: true }));
    await userEvent.click(screen.getByRole('button', { name: 'Create referral' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.some((c) => c.url.pathname === '/v1/providers')).toBe(false); // never the directory
    expect(calls.filter((c) => c.url.pathname === '/v1/reference/icd10').map((c) => c.url.searchParams.get('q'))).toContain('atrial');
    const body = JSON.parse(calls.find((c) => c.method === 'POST')!.body);
    expect(body).toMatchObject({ referring_provider_id: 'p1', icd10_codes: ['I48.91'] });
  });
});
