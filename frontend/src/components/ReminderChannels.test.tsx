import { screen, within } from '@testing-library/react';
import { ReminderChannels } from './ReminderChannels';
import { renderWithApp } from '../test/render';

describe('confirmation and no-shows by reminder channel', () => {
  it('shows each channel with its rates, and no confirmation where no link went out', () => {
    renderWithApp(<ReminderChannels rows={[
      { channel: 'email', appointments: 40, confirmation: { count: 10, of: 40, rate: 0.25 }, no_show: { count: 2, of: 20, rate: 0.1 } },
      { channel: 'none', appointments: 5, confirmation: null, no_show: { count: 1, of: 4, rate: 0.25 } },
    ]} />);
    const [, email, none] = screen.getAllByRole('row');
    expect(within(email).getAllByRole('cell').map((c) => c.textContent)).toEqual(['E-mail', '40', '25.0% (10 of 40)', '10.0% (2 of 20)']);
    expect(within(none).getAllByRole('cell').map((c) => c.textContent)).toEqual(['No link sent', '5', '—', '25.0% (1 of 4)']);
  });

  it('says so when the period has no appointments', () => {
    renderWithApp(<ReminderChannels rows={[]} />);
    expect(screen.getByText('No appointments in this period.')).toBeInTheDocument();
  });
});
