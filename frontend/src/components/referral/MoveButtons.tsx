import { useState } from 'react';
import { Button, Group, Modal, Select, Stack, Text, Textarea } from '@mantine/core';
import type { ReferralStatus } from '../../api/contracts';
import { RequestInfoModal } from './RequestInfoModal';
import { allowedMoves, humanize, moveLabel, requiredReasons, STATUS_LABEL } from '../../lib/lifecycle';

export interface MoveRequest {
  to: ReferralStatus;
  reason?: string;
  note?: string;
  /** What a request for info asks the referrer for; their message lists these. */
  missingItems?: string[];
}

const DESTRUCTIVE = new Set<ReferralStatus>(['declined', 'cancelled']);

/**
 * The next moves the lifecycle allows from `status`, as buttons. A move that must say why opens a
 * prompt for the reason; booking (-> scheduled) is handed to `onSchedule`, which asks for the slot.
 */
export function MoveButtons({ status, busy, onMove, onSchedule }: {
  status: ReferralStatus;
  busy?: boolean;
  onMove: (move: MoveRequest) => void;
  onSchedule?: () => void;
}) {
  const [prompt, setPrompt] = useState<ReferralStatus | null>(null);
  const [reason, setReason] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const moves = allowedMoves(status);
  const reasons = prompt ? requiredReasons(status, prompt) : null;

  const [asking, setAsking] = useState(false);
  const start = (to: ReferralStatus) => {
    if (to === 'scheduled' && onSchedule) return onSchedule();
    if (to === 'needs_info') return setAsking(true);
    if (requiredReasons(status, to)) {
      setReason(null);
      setNote('');
      setPrompt(to);
      return;
    }
    onMove({ to });
  };

  const confirm = () => {
    if (!prompt || (reasons && !reason)) return;
    onMove({ to: prompt, reason: reason ?? undefined, note: note.trim() || undefined });
    setPrompt(null);
  };

  const reopen = prompt === 'received';
  if (moves.length === 0) {
    return <Text size="sm" c="dimmed">No further moves: this referral is {STATUS_LABEL[status].toLowerCase()}.</Text>;
  }

  return (
    <>
      <Group gap="xs" role="group" aria-label="Next moves">
        {moves.map((to) => (
          <Button
            key={to}
            variant={DESTRUCTIVE.has(to) ? 'light' : 'filled'}
            color={DESTRUCTIVE.has(to) ? 'red' : to === 'accepted' && status === 'scheduled' ? 'orange' : undefined}
            onClick={() => start(to)}
            disabled={busy}
          >
            {moveLabel(status, to)}
          </Button>
        ))}
      </Group>
      <Modal
        opened={prompt !== null}
        onClose={() => setPrompt(null)}
        title={prompt ? `${moveLabel(status, prompt)}: why?` : ''}
      >
        <form onSubmit={(e) => { e.preventDefault(); confirm(); }}>
          <Stack>
            <Select
              label="Reason"
              required
              data={(reasons ?? []).map((r) => ({ value: r, label: humanize(r) }))}
              value={reason}
              onChange={setReason}
              data-autofocus
              comboboxProps={{ withinPortal: false }}
            />
            <Textarea label="Note" autosize minRows={2} maxLength={2000} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setPrompt(null)}>Back</Button>
              <Button type="submit" color={reopen ? undefined : 'red'} disabled={!reason}>Confirm</Button>
            </Group>
          </Stack>
        </form>
      </Modal>
      <RequestInfoModal
        opened={asking}
        onClose={() => setAsking(false)}
        onSend={(missingItems, text) => { setAsking(false); onMove({ to: 'needs_info', missingItems, note: text || undefined }); }}
      />
    </>
  );
}
