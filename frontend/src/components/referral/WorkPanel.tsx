import { useState } from 'react';
import { Alert, Button, Group, Modal, Select, Stack, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import { IconMessage2, IconNote, IconPhoneCall, IconUserShare } from '@tabler/icons-react';
import { api, ProblemError, unwrap } from '../../api/client';
import type { Referral } from '../../api/contracts';
import type { Colleagues } from '../../api/hooks';

const CHANNELS = [
  { value: 'phone', label: 'Call' },
  { value: 'sms', label: 'Text' },
  { value: 'letter', label: 'Letter' },
  { value: 'email', label: 'Email' },
];
const OUTCOMES = [
  { value: 'reached', label: 'Reached' },
  { value: 'voicemail', label: 'Voicemail' },
  { value: 'wrong_number', label: 'Wrong number' },
  { value: 'no_answer', label: 'No answer' },
];

type Dialog = 'contact' | 'note' | 'assign' | null;

function message(error: unknown): string | null {
  if (!error) return null;
  return error instanceof ProblemError ? error.message : (error as Error).message;
}

/** Working a referral without leaving its page: log a contact attempt, add a note, hand it on. */
export function WorkPanel({ referral, colleagues, canAssign, canLogContact, onDone }: {
  referral: Referral;
  colleagues?: Colleagues;
  canAssign: boolean;
  canLogContact: boolean;
  onDone: () => void;
}) {
  const [dialog, setDialog] = useState<Dialog>(null);
  const [channel, setChannel] = useState<string | null>('phone');
  const [outcome, setOutcome] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [assignee, setAssignee] = useState<string | null>(referral.assignee_id ?? null);
  const [queue, setQueue] = useState<string | null>(referral.queue ?? null);
  const id = referral.id;

  const open = (next: Dialog) => {
    setText('');
    setOutcome(null);
    setAssignee(referral.assignee_id ?? null);
    setQueue(referral.queue ?? null);
    save.reset();
    setDialog(next);
  };

  const save = useMutation({
    mutationFn: async (what: Exclude<Dialog, null>) => {
      if (what === 'contact') {
        return unwrap(await api.POST('/v1/referrals/{referral_id}/contact-attempts', {
          params: { path: { referral_id: id } },
          body: { channel: channel ?? 'phone', outcome: outcome as 'reached', note: text.trim() || null },
        }));
      }
      if (what === 'note') {
        return unwrap(await api.POST('/v1/referrals/{referral_id}/notes', {
          params: { path: { referral_id: id } }, body: { text },
        }));
      }
      return unwrap(await api.PATCH('/v1/referrals/{referral_id}', {
        params: { path: { referral_id: id }, header: { 'If-Match': `"${referral.version}"` } },
        body: { assignee_id: assignee, queue },
      }));
    },
    onSuccess: (_data, what) => {
      const said = { contact: 'Contact attempt logged.', note: 'Note added.', assign: 'Referral handed on.' }[what];
      notifications.show({ color: 'teal', message: said });
      setDialog(null);
      onDone();
    },
  });

  const people = (colleagues?.items ?? []).map((c) => ({ value: c.id, label: `${c.full_name} (${c.role})` }));
  const queues = Array.from(new Set([...(colleagues?.queues ?? []), ...(referral.queue ? [referral.queue] : [])]));

  return (
    <>
      <Group gap="xs" role="group" aria-label="Work this referral">
        {canLogContact && (
          <Button variant="light" leftSection={<IconPhoneCall size={16} aria-hidden />} onClick={() => open('contact')}>Log contact</Button>
        )}
        <Button variant="light" leftSection={<IconNote size={16} aria-hidden />} onClick={() => open('note')}>Add note</Button>
        {canAssign && (
          <Button variant="light" leftSection={<IconUserShare size={16} aria-hidden />} onClick={() => open('assign')}>Assign</Button>
        )}
      </Group>

      <Modal opened={dialog === 'contact'} onClose={() => setDialog(null)} title="Log a contact attempt">
        <form onSubmit={(e) => { e.preventDefault(); if (outcome) save.mutate('contact'); }}>
          <Stack>
            {save.error && <Alert color="red" role="alert">{message(save.error)}</Alert>}
            <Select label="How" required data={CHANNELS} value={channel} onChange={setChannel} allowDeselect={false}
              comboboxProps={{ withinPortal: false }} />
            <Select label="Outcome" required data={OUTCOMES} value={outcome} onChange={setOutcome} data-autofocus
              comboboxProps={{ withinPortal: false }} />
            <Textarea label="Note" autosize minRows={2} maxLength={2000} value={text} onChange={(e) => setText(e.currentTarget.value)} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDialog(null)}>Back</Button>
              <Button type="submit" disabled={!outcome} loading={save.isPending} leftSection={<IconMessage2 size={16} aria-hidden />}>Log attempt</Button>
            </Group>
          </Stack>
        </form>
      </Modal>

      <Modal opened={dialog === 'note'} onClose={() => setDialog(null)} title="Add a note">
        <form onSubmit={(e) => { e.preventDefault(); if (text.trim()) save.mutate('note'); }}>
          <Stack>
            {save.error && <Alert color="red" role="alert">{message(save.error)}</Alert>}
            <Textarea label="Note" required autosize minRows={3} maxLength={4000} value={text} data-autofocus
              onChange={(e) => setText(e.currentTarget.value)} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDialog(null)}>Back</Button>
              <Button type="submit" disabled={!text.trim()} loading={save.isPending}>Add note</Button>
            </Group>
          </Stack>
        </form>
      </Modal>

      <Modal opened={dialog === 'assign'} onClose={() => setDialog(null)} title="Assign referral">
        <form onSubmit={(e) => { e.preventDefault(); save.mutate('assign'); }}>
          <Stack>
            {save.error && <Alert color="red" role="alert">{message(save.error)}</Alert>}
            <Select label="Person" placeholder="Nobody in particular" data={people} value={assignee} onChange={setAssignee}
              searchable clearable data-autofocus comboboxProps={{ withinPortal: false }} nothingFoundMessage="No colleague by that name" />
            <Select label="Queue" placeholder="No queue" data={queues} value={queue} onChange={setQueue} clearable
              comboboxProps={{ withinPortal: false }} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDialog(null)}>Back</Button>
              <Button type="submit" loading={save.isPending}>Save</Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
