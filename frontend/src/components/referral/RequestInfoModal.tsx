import { useState } from 'react';
import { Button, Checkbox, Group, Modal, Stack, Text, Textarea } from '@mantine/core';

// What referrals most often lack; anything else goes in the free-text box, one item per line.
export const COMMON_MISSING_ITEMS = [
  'Recent clinic notes',
  'Diagnosis codes (ICD-10)',
  'Insurance card (front and back)',
  'Imaging report',
  'Lab results',
  'Signed referral order',
];

/** "Request info": the checklist of what is missing, which the referrer's message lists item by item. */
export function RequestInfoModal({ opened, onClose, onSend }: {
  opened: boolean;
  onClose: () => void;
  onSend: (items: string[], note: string) => void;
}) {
  const [checked, setChecked] = useState<string[]>([]);
  const [other, setOther] = useState('');
  const [note, setNote] = useState('');
  const items = [...checked, ...other.split('\n').map((l) => l.trim()).filter(Boolean)];
  const reset = () => { setChecked([]); setOther(''); setNote(''); };
  return (
    <Modal opened={opened} onClose={onClose} title="Request info from the referrer">
      <form onSubmit={(e) => { e.preventDefault(); if (items.length) { onSend(items, note.trim()); reset(); } }}>
        <Stack>
          <Checkbox.Group label="What is missing?" value={checked} onChange={setChecked}>
            <Stack gap={6} mt="xs">
              {COMMON_MISSING_ITEMS.map((item) => <Checkbox key={item} value={item} label={item} />)}
            </Stack>
          </Checkbox.Group>
          <Textarea
            label="Other items"
            description="One per line; each is listed in the message to the referrer."
            autosize
            minRows={2}
            value={other}
            onChange={(e) => setOther(e.currentTarget.value)}
          />
          <Textarea label="Internal note" description="Kept on the timeline; not sent." autosize minRows={1} maxLength={2000}
            value={note} onChange={(e) => setNote(e.currentTarget.value)} />
          <Text size="sm" c="dimmed">{items.length ? `${items.length} item${items.length > 1 ? 's' : ''} will be requested.` : 'Choose or type at least one item.'}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Back</Button>
            <Button type="submit" disabled={!items.length}>Send request</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
