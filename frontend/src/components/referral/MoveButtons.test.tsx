import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MoveButtons } from './MoveButtons';
import { renderWithApp, stubApi } from '../../test/render';

beforeEach(() => stubApi({}));

function buttons() {
  return within(screen.getByRole('group', { name: 'Next moves' })).getAllByRole('button').map((b) => b.textContent);
}

describe('next-move buttons', () => {
  it('offers exactly the lifecycle moves for each status', () => {
    const { rerender } = renderWithApp(<MoveButtons status="received" onMove={() => {}} />);
    expect(buttons()).toEqual(['Accept', 'Request info', 'Decline']);
    rerender(<MoveButtons status="accepted" onMove={() => {}} />);
    expect(buttons()).toEqual(['Book appointment', 'Cancel']);
    rerender(<MoveButtons status="scheduled" onMove={() => {}} />);
    expect(buttons()).toEqual(['Mark seen (complete)', 'Back to scheduling', 'Cancel']);
    rerender(<MoveButtons status="completed" onMove={() => {}} />);
    expect(buttons()).toEqual(['Close loop']);
  });

  it('offers only reopening for a declined referral', () => {
    renderWithApp(<MoveButtons status="declined" onMove={() => {}} />);
    expect(buttons()).toEqual(['Reopen']);
  });

  it('says there is nothing left to do for an ended referral', () => {
    renderWithApp(<MoveButtons status="closed" onMove={() => {}} />);
    expect(screen.queryByRole('group', { name: 'Next moves' })).toBeNull();
    expect(screen.getByText(/No further moves/)).toBeInTheDocument();
  });

  it('asks what is missing before requesting info, preset items and free text alike', async () => {
    const onMove = vi.fn();
    renderWithApp(<MoveButtons status="received" onMove={onMove} />);
    await userEvent.click(screen.getByRole('button', { name: 'Request info' }));
    const send = await screen.findByRole('button', { name: 'Send request' });
    expect(send).toBeDisabled();
    await userEvent.click(screen.getByRole('checkbox', { name: 'Lab results' }));
    await userEvent.type(screen.getByRole('textbox', { name: 'Other items' }), 'Echo from 2025');
    await userEvent.click(send);
    expect(onMove).toHaveBeenCalledWith({ to: 'needs_info', missingItems: ['Lab results', 'Echo from 2025'], note: undefined });
  });

  it('moves at once when no reason is needed', async () => {
    const onMove = vi.fn();
    renderWithApp(<MoveButtons status="received" onMove={onMove} />);
    await userEvent.click(screen.getByRole('button', { name: 'Accept' }));
    expect(onMove).toHaveBeenCalledWith({ to: 'accepted' });
  });

  it('asks why before declining, and only offers the decline reasons', async () => {
    const onMove = vi.fn();
    renderWithApp(<MoveButtons status="received" onMove={onMove} />);
    await userEvent.click(screen.getByRole('button', { name: 'Decline' }));
    const dialog = await screen.findByRole('dialog');
    const confirm = within(dialog).getByRole('button', { name: 'Confirm' });
    expect(confirm).toBeDisabled();
    await userEvent.click(within(dialog).getByRole('combobox', { name: /Reason/ }));
    const options = (await within(dialog).findAllByRole('option', { hidden: true })).map((o) => o.textContent);
    expect(options).toEqual(['Misdirected', 'Not indicated', 'Out of network', 'Other']);
    await userEvent.click(within(dialog).getByRole('option', { name: 'Out of network', hidden: true }));
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Note' }), 'Plan not accepted');
    await userEvent.click(confirm);
    expect(onMove).toHaveBeenCalledWith({ to: 'declined', reason: 'out_of_network', note: 'Plan not accepted' });
  });

  it('asks for a reschedule reason when a scheduled referral goes back to scheduling', async () => {
    renderWithApp(<MoveButtons status="scheduled" onMove={() => {}} />);
    await userEvent.click(screen.getByRole('button', { name: 'Back to scheduling' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('combobox', { name: /Reason/ }));
    const options = (await within(dialog).findAllByRole('option', { hidden: true })).map((o) => o.textContent);
    expect(options).toEqual(['No show', 'Appointment cancelled', 'Rescheduled']);
  });

  it('hands booking to the appointment form instead of moving straight to scheduled', async () => {
    const onMove = vi.fn();
    const onSchedule = vi.fn();
    renderWithApp(<MoveButtons status="accepted" onMove={onMove} onSchedule={onSchedule} />);
    await userEvent.click(screen.getByRole('button', { name: 'Book appointment' }));
    expect(onSchedule).toHaveBeenCalled();
    expect(onMove).not.toHaveBeenCalled();
  });
});
