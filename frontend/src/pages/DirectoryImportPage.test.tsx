import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { DirectoryImportPage } from './DirectoryImportPage';
import { json, renderWithApp, stubApi } from '../test/render';

const job = { id: 'j1', filename: 'directory.csv', imported_by: 'user:1', status: 'rejected', detail: '1 problems; nothing was imported.', rows: 0, counts: {}, created_at: '2026-12-01T10:00:00Z', finished_at: '2026-12-01T10:00:01Z' };

async function chooseAndImport() {
  const file = new File(['npi,entity_type,first_name,last_name\n'], 'directory.csv', { type: 'text/csv' });
  await userEvent.upload(screen.getByLabelText('CSV file'), file);
  await userEvent.click(screen.getByRole('button', { name: 'Import' }));
}

describe('directory import page', () => {
  it('uploads the file and shows every row with what was done', async () => {
    const calls = stubApi({
      'GET /v1/imports/providers': () => json([]),
      'POST /v1/imports/providers': () => json({ ...job, status: 'succeeded', rows: 2, counts: { created: 1, updated: 0, unchanged: 0, merged: 1 }, report_total: 2, report: [
        { row: 2, npi: '1234567893', column: null, problem: null, action: 'created', entity_type: 'individual' },
        { row: 3, npi: '1234567893', column: null, problem: 'same NPI as row 2', action: 'merged', entity_type: 'individual' },
        { row: 4, npi: '1234567885', column: null, problem: null, action: 'created', entity_type: 'organization' },
      ] }, 201),
    });
    renderWithApp(<DirectoryImportPage />);
    await chooseAndImport();
    const report = await screen.findByRole('table', { name: 'Row report' });
    const rows = within(report).getAllByRole('row').slice(1);
    expect(rows[0]).toHaveTextContent('provider');
    expect(rows[0]).toHaveTextContent('created');
    expect(rows[1]).toHaveTextContent('same NPI as row 2');
    expect(rows[2]).toHaveTextContent('4' + '1234567885' + 'organization');
    expect(screen.getByText('1 created, 0 updated, 0 unchanged, 1 merged')).toBeInTheDocument();
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toContain('name="file"');
  });

  it('shows the rejected rows and says nothing was imported', async () => {
    stubApi({
      'GET /v1/imports/providers': () => json([job]),
      'POST /v1/imports/providers': () => json({ title: 'Import rejected', status: 422, detail: '1 problems; nothing was imported.',
        row_errors: [{ row: 3, column: 'npi', problem: '1234567890 has a wrong check digit' }] }, 422, 'application/problem+json'),
    });
    renderWithApp(<DirectoryImportPage />);
    await chooseAndImport();
    expect(await screen.findByText('Nothing was imported')).toBeInTheDocument();
    const report = screen.getByRole('table', { name: 'Row report' });
    expect(within(report).getAllByRole('row')[1]).toHaveTextContent('3——npi1234567890 has a wrong check digitrejected');
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Recent imports' })).getByText('rejected')).toBeInTheDocument());
  });
});
