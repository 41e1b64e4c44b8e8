import { useState } from 'react';
import { Alert, Badge, Button, Group, Modal, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import type { Appointment } from '../../api/contracts';
import { formatDateTime } from '../../lib/format';

const APPT_COLOR: Record<string, string> = { booked: 'violet', arrived: 'blue', fulfilled: 'teal', cancelled: 'gray', noshow: 'red' };

export function AppointmentList({ appointments }: { appointments: Appointment[] }) {
  if (!appointments.length) return <Text size="sm" c="dimmed">No appointments booked.</Text>;
  return (
    <Stack gap="xs">
      {appointments.map((a) => (
        <Paper key={a.id} withBorder p="xs" radius="sm">
          <Group justify="space-between" wrap="nowrap">
            <div>
              <Text size="sm" fw={500}>{formatDateTime(a.start)}</Text>
              <Text size="xs" c="dimmed">{a.location ?? 'No location'}{a.cancel_reason ? ` · ${a.cancel_reason}` : ''}</Text>
            </div>
            <Badge color={APPT_COLOR[a.status] ?? 'gray'} variant="light">{a.status}</Badge>
          </Group>
        </Paper>
      ))}
    </Stack>
  );
}

/** Local datetime-local value for "tomorrow at 09:00", a sensible default slot. */
export function defaultSlot(now = new Date()): string {
  const d = new Date(now);
  d.setDate(d.getDate() + 1);
  d.setHours(9, 0, 0, 0);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function BookAppointmentModal({ opened, onClose, onBook, busy, error }: {
  opened: boolean;
  onClose: () => void;
  onBook: (input: { start: string; location?: string }) => void;
  busy?: boolean;
  error?: string | null;
}) {
  const [start, setStart] = useState(defaultSlot());
  const [location, setLocation] = useState('');
  return (
    <Modal opened={opened} onClose={onClose} title="Book appointment">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!start) return;
          onBook({ start: new Date(start).toISOString(), location: location.trim() || undefined });
        }}
      >
        <Stack>
          {error && <Alert color="red" role="alert">{error}</Alert>}
          <TextInput label="Start" type="datetime-local" required value={start} onChange={(e) => setStart(e.currentTarget.value)} data-autofocus />
          <TextInput label="Location" placeholder="e.g. Main campus, suite 200" value={location} onChange={(e) => setLocation(e.currentTarget.value)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Back</Button>
            <Button type="submit" loading={busy}>Book</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function PanelTitle({ children, id }: { children: string; id: string }) {
  return <Title order={2} size="h4" id={id} mb="sm">{children}</Title>;
}
