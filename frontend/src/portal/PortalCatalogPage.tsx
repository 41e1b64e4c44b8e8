// The services the practice can refer to: criteria, accepted payers, where, the current wait, whom to call.
import { Badge, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { CatalogEntry } from '../api/contracts';
import { useCatalog } from './queries';

export function waitWords(entry: CatalogEntry): string {
  if (entry.median_days_to_appointment == null) return 'No appointments in the last 90 days';
  return `About ${entry.median_days_to_appointment} days to an appointment (median over ${entry.appointments_counted} booked referrals received in the last 90 days)`;
}

export function PortalCatalogPage() {
  const catalog = useCatalog();
  if (catalog.error) return <Text c="red.8">Could not load the services: {(catalog.error as Error).message}</Text>;
  if (!catalog.data) return <Text c="dimmed">Loading…</Text>;
  return (
    <Stack gap="md">
      <Title order={2}>Services</Title>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {catalog.data.map((e) => (
          <Paper key={e.service_line} withBorder p="md" component="article" aria-label={e.display}>
            <Title order={3} size="h4">{e.display}</Title>
            <Text size="sm" mt={4} fw={500}>{waitWords(e)}</Text>
            {e.referral_criteria && <Text size="sm" mt="xs" style={{ whiteSpace: 'pre-wrap' }}>{e.referral_criteria}</Text>}
            {(e.payer_classes ?? []).length > 0 && (
              <Group gap={4} mt="xs" aria-label="Accepted payers">{(e.payer_classes ?? []).map((p) => <Badge key={p} variant="light">{p.replace('_', ' ')}</Badge>)}</Group>
            )}
            {(e.locations ?? []).length > 0 && <Text size="sm" mt="xs">Where: {(e.locations ?? []).join('; ')}</Text>}
            {e.scheduling_contact?.phone && (
              <Text size="sm" mt="xs">Scheduling: {[e.scheduling_contact.name, e.scheduling_contact.phone, e.scheduling_contact.email, e.scheduling_contact.hours].filter(Boolean).join(', ')}</Text>
            )}
          </Paper>
        ))}
      </SimpleGrid>
    </Stack>
  );
}
