import { fireEvent, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { DuplicatesSection } from './DuplicatesSection';
import { json, renderWithApp, stubApi } from '../../test/render';

const POLICY = { enabled: true, window_days: 30, same_channel: false, version: 3 };

describe('duplicate policy', () => {
  it('saves a wider window for repeats through the same channel, against the version it showed', async () => {
    let ifMatch: string | null = null;
    const calls = stubApi({
      'GET /v1/settings/duplicates': () => json(POLICY),
      'PUT /v1/settings/duplicates': (_url, request) => {
        ifMatch = request.headers.get('If-Match');
        return json({ enabled: true, window_days: 45, same_channel: true, version: 4 });
      },
    });
    renderWithApp(<DuplicatesSection />);
    const window = await screen.findByRole('textbox', { name: /Window \(days\)/ }, { timeout: 5000 });
    expect(window).toHaveValue('30');
    fireEvent.change(window, { target: { value: '45' } });
    await userEvent.click(screen.getByRole('checkbox', { name: /Also flag repeats through the same channel/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Save duplicate policy' }));
    expect(await screen.findByText('Saved (version 4).')).toBeInTheDocument();
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(JSON.parse(put.body)).toEqual({ enabled: true, window_days: 45, same_channel: true });
    expect(ifMatch).toBe('"3"');
  });

  it('shows the server refusing a window out of range, in its words', async () => {
    stubApi({
      'GET /v1/settings/duplicates': () => json(POLICY),
      'PUT /v1/settings/duplicates': () => json({
        title: 'Invalid request', status: 422,
        errors: [{ field: 'body.window_days', message: 'Input should be less than or equal to 365' }],
      }, 422, 'application/problem+json'),
    });
    renderWithApp(<DuplicatesSection />);
    await screen.findByRole('textbox', { name: /Window \(days\)/ }, { timeout: 5000 });
    await userEvent.click(screen.getByRole('button', { name: 'Save duplicate policy' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('window_days: Input should be less than or equal to 365');
  });
});
