import { useEffect, useState } from 'react';
import { Alert, Badge, Button, Grid, Group, Paper, Select, SimpleGrid, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { BarChart } from '@mantine/charts';
import { Link, useParams } from 'react-router-dom';
import { QueryState } from '../components/QueryState';
import { ProblemError } from '../api/client';
import {
  money, percent, SEGMENT_COLOR, TIER_COLOR, useAssignOwner, useLiaisons, useLogTouchpoint, usePrograms, useScorecard,
  useTimeline, useTouchpoints, type Scorecard, type TouchpointCreate,
} from '../api/relationships';
import { useAuth } from '../auth/AuthContext';
import { problemText } from './admin/shared';

const KINDS = [
  { value: 'visit', label: 'Visit' }, { value: 'call', label: 'Call' }, { value: 'email', label: 'Email' },
  { value: 'lunch_and_learn', label: 'Lunch-and-learn' }, { value: 'event', label: 'Event' }, { value: 'note', label: 'Note' },
];

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Text size="xs" c="dimmed">{label}</Text>
      <Text fw={600} size="lg">{value}</Text>
    </Paper>
  );
}

function LogTouchpoint({ providerId }: { providerId: string }) {
  const log = useLogTouchpoint(providerId);
  const programs = usePrograms();
  const [kind, setKind] = useState<string | null>('visit');
  const [notes, setNotes] = useState('');
  const [outcome, setOutcome] = useState('');
  const [followUp, setFollowUp] = useState('');
  const [program, setProgram] = useState<string | null>(null);
  const error = log.error instanceof ProblemError ? log.error.message : log.error ? String(log.error) : null;
  return (
    <form
      aria-label="Log touchpoint"
      onSubmit={async (e) => {
        e.preventDefault();
        const body: TouchpointCreate = {
          provider_id: providerId, kind: (kind ?? 'visit') as TouchpointCreate['kind'], notes: notes || null,
          outcome: outcome || null, follow_up_on: followUp || null, program_id: program,
        };
        await log.mutateAsync(body);
        setNotes(''); setOutcome(''); setFollowUp('');
      }}
    >
      <Stack gap="xs">
        <Title order={2} size="h4">Log touchpoint</Title>
        <Group grow align="start">
          <Select label="Kind" data={KINDS} value={kind} onChange={setKind} allowDeselect={false} />
          <Select label="Program" data={(programs.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
            value={program} onChange={setProgram} clearable placeholder="None" />
        </Group>
        <Textarea label="Notes" value={notes} onChange={(e) => setNotes(e.currentTarget.value)} autosize minRows={2} />
        <TextInput label="Outcome" value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)} />
        <TextInput label="Follow up on" type="date" value={followUp} onChange={(e) => setFollowUp(e.currentTarget.value)}
          description="Creates a follow-up task for you, due that day." />
        {error && <Alert color="red" role="alert">{error}</Alert>}
        {log.isSuccess && <Alert color="green" role="status">Touchpoint logged{log.data?.task_id ? '; follow-up task created' : ''}.</Alert>}
        <Group><Button type="submit" loading={log.isPending}>Log touchpoint</Button></Group>
      </Stack>
    </form>
  );
}

/** The liaison who owns the referrer; admins change it here. */
function Owner({ card }: { card: Scorecard }) {
  const { me } = useAuth();
  const isAdmin = me?.role === 'admin';
  const liaisons = useLiaisons(isAdmin);
  const assign = useAssignOwner();
  const [owner, setOwner] = useState<string | null>(card.owner_liaison_id ?? null);
  // Follow the saved owner without remounting, so "Owner saved." outlives the refetch it causes.
  useEffect(() => setOwner(card.owner_liaison_id ?? null), [card.owner_liaison_id]);
  if (!isAdmin) {
    return <Text size="sm">Owner liaison: <b>{card.owner_liaison_name ?? 'none'}</b></Text>;
  }
  return (
    <form aria-label="Owner liaison" onSubmit={(e) => { e.preventDefault(); assign.mutate({ providerIds: [card.provider_id], liaisonId: owner }); }}>
      <Group gap="sm" align="end" wrap="wrap">
        <Select label="Owner liaison" w={260} value={owner} onChange={setOwner} clearable placeholder="No owner"
          data={(liaisons.data ?? []).map((u) => ({ value: u.id, label: u.full_name }))} />
        <Button type="submit" variant="light" loading={assign.isPending}>Save owner</Button>
        {assign.isSuccess && <Text size="sm" role="status" c="teal.9">Owner saved.</Text>}
      </Group>
      {assign.error && <Alert color="red" role="alert" mt="xs">{problemText(assign.error)}</Alert>}
    </form>
  );
}

export function ReferrerPage() {
  const { id = '' } = useParams();
  const card = useScorecard(id);
  const timeline = useTimeline(id);
  const touchpoints = useTouchpoints(id);
  const s = card.data;
  const series = (s?.series ?? []).map((p) => ({ month: p.month.slice(0, 7), Referrals: p.volume,
    Completed: Math.round((p.conversion_rate ?? 0) * p.volume) }));
  return (
    <Stack gap="md">
      <QueryState isPending={card.isPending} error={card.error} what="scorecard">
        {s && (
          <>
            <Group gap="sm" align="center">
              <Title order={1} size="h2">{s.name}</Title>
              {s.standing.tier && <Badge color={TIER_COLOR[s.standing.tier]} size="lg">Tier {s.standing.tier}</Badge>}
              {s.standing.segment && <Badge variant="light" color={SEGMENT_COLOR[s.standing.segment]}>{s.standing.segment}</Badge>}
              {s.standing.cooling && <Badge color="orange" variant="filled">Cooling</Badge>}
              <Text component={Link} to={`/providers/${id}`} size="sm" c="indigo">Directory profile</Text>
            </Group>
            <Owner card={s} />
            <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
              <Figure label="Referrals (12 months)" value={String(s.figures.volume)} />
              <Figure label="Conversion" value={percent(s.figures.conversion_rate)} />
              <Figure label="Median days to appointment" value={s.figures.median_days_to_appointment == null ? '—' : s.figures.median_days_to_appointment.toFixed(1)} />
              <Figure label="Leakage" value={percent(s.figures.leakage_rate)} />
              <Figure label="Loop closure" value={percent(s.figures.loop_closure_rate)} />
              <Figure label="Revenue" value={money(s.figures.revenue)} />
            </SimpleGrid>
            <Paper withBorder p="md" radius="md">
              <Title order={2} size="h4" mb="sm">Referrals by month</Title>
              <BarChart h={220} data={series} dataKey="month" series={[{ name: 'Referrals', color: 'indigo.6' }, { name: 'Completed', color: 'teal.6' }]} tickLine="y" />
            </Paper>
          </>
        )}
      </QueryState>
      <Grid>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Paper withBorder p="md" radius="md"><LogTouchpoint providerId={id} /></Paper>
          <Paper withBorder p="md" radius="md" mt="md">
            <Title order={2} size="h4" mb="xs">Touchpoints</Title>
            <QueryState isPending={touchpoints.isPending} error={touchpoints.error} what="touchpoints">
              <Stack gap={4} component="ul" style={{ listStyle: 'none', padding: 0 }} aria-label="Touchpoints">
                {(touchpoints.data?.items ?? []).map((t) => (
                  <li key={t.id}><Text size="sm"><b>{t.kind.replace(/_/g, ' ')}</b> · {t.occurred_at.slice(0, 10)}{t.outcome ? ` · ${t.outcome}` : ''}{t.follow_up_on ? ` · follow up ${t.follow_up_on}` : ''}</Text></li>
                ))}
              </Stack>
            </QueryState>
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Paper withBorder p="md" radius="md">
            <Title order={2} size="h4" mb="xs">Timeline</Title>
            <QueryState isPending={timeline.isPending} error={timeline.error} what="timeline">
              <Stack gap={4} component="ol" style={{ listStyle: 'none', padding: 0 }} aria-label="Relationship timeline">
                {(timeline.data?.items ?? []).map((item) => (
                  <li key={`${item.kind}-${item.id}`}>
                    <Text size="sm"><Text span c="dimmed">{item.at.slice(0, 10)}</Text> · <Badge size="xs" variant="light">{item.kind.replace(/_/g, ' ')}</Badge> {item.summary}</Text>
                  </li>
                ))}
              </Stack>
            </QueryState>
          </Paper>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
