import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { DocumentsPanel } from './DocumentsPanel';
import { json, renderWithApp, stubApi } from '../../test/render';

const ID = '00000000-0000-4000-8000-000000000001';
const waiting = {
  id: ID, status: 'needs_info', version: 3, sla: [],
  info_request: { missing: ['imaging reports'], requested_at: '2026-12-01T10:00:00Z', reminders_sent: 0, next_reminder_at: null, decline_at: null },
};

describe('documents on a referral', () => {
  it('lists what the referrer still owes, and a dropped file is uploaded with its kind and title', async () => {
    const calls = stubApi({
      [`GET /v1/referrals/${ID}`]: () => json(waiting),
      [`GET /v1/referrals/${ID}/documents`]: () => json([]),
      [`POST /v1/referrals/${ID}/documents`]: () => json({
        id: 'd1', referral_id: ID, kind: 'imaging_report', title: 'MRI knee', content_type: 'application/pdf', size_bytes: 9,
        sha256: 'x', source: 'staff', created_by: 'user', created_at: '2026-12-01T11:00:00Z',
      }, 201),
    });
    renderWithApp(<DocumentsPanel referralId={ID} canUpload />);
    expect(await screen.findByText('imaging reports')).toBeInTheDocument();

    const file = new File(['%PDF-1.4\n'], 'MRI_knee.pdf', { type: 'application/pdf' });
    fireEvent.drop(screen.getByTestId('document-drop-zone'), { dataTransfer: { files: [file] } });
    expect(await screen.findByDisplayValue('MRI knee')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('combobox', { name: /Kind/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'Imaging report', hidden: true }));
    await userEvent.click(screen.getByRole('button', { name: 'Upload document' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const body = calls.find((c) => c.method === 'POST')!.body;
    expect(body).toContain('name="kind"');
    expect(body).toContain('imaging_report');
    expect(body).toContain('MRI knee');
  });

  it('shows a refused file in words beside the drop zone', async () => {
    stubApi({
      [`GET /v1/referrals/${ID}`]: () => json({ ...waiting, status: 'received', info_request: null }),
      [`GET /v1/referrals/${ID}/documents`]: () => json([]),
      [`POST /v1/referrals/${ID}/documents`]: () => json(
        { title: 'Payload too large', status: 413, detail: 'The document is 25.0 MB; the limit is 20 MB.' }, 413, 'application/problem+json'),
    });
    renderWithApp(<DocumentsPanel referralId={ID} canUpload />);
    await screen.findByText('No documents yet.');
    const file = new File(['x'], 'scan.png', { type: 'image/png' });
    await userEvent.upload(screen.getByLabelText('Document file'), file);
    await userEvent.click(screen.getByRole('combobox', { name: /Kind/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'Other', hidden: true }));
    await userEvent.click(screen.getByRole('button', { name: 'Upload document' }));
    expect(await screen.findByText('The document is 25.0 MB; the limit is 20 MB.')).toBeInTheDocument();
  });
});
