// The duplicate policy (GET/PUT /v1/settings/duplicates): which referrals intake flags as possible duplicates.
import { useEffect, useState } from 'react';
import { Alert, Button, Checkbox, Group, NumberInput, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { DuplicatePolicy } from '../../api/contracts';
import { QueryState } from '../../components/QueryState';
import { problemText } from './shared';

type Draft = Omit<DuplicatePolicy, 'version'>;

export function DuplicatesSection() {
  const client = useQueryClient();
  const current = useQuery({
    queryKey: ['settings', 'duplicates'],
    queryFn: async () => unwrap(await api.GET('/v1/settings/duplicates')) as DuplicatePolicy,
  });
  const [draft, setDraft] = useState<Draft | null>(null);
  useEffect(() => {
    if (current.data) {
      const { enabled, window_days, same_channel } = current.data;
      setDraft({ enabled, window_days, same_channel });
    }
  }, [current.data]);
  const save = useMutation({
    mutationFn: async () => unwrap(await api.PUT('/v1/settings/duplicates', {
      params: { header: { 'If-Match': `"${current.data?.version}"` } },
      body: draft!,
    })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['settings', 'duplicates'] }),
  });
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="duplicates-heading">
      <QueryState isPending={current.isPending} error={current.error} what="the duplicate policy">
        {draft && (
          <form aria-label="Duplicate policy" onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
            <Stack gap="sm" maw={560}>
              <Title order={2} size="h4" id="duplicates-heading">Possible duplicates</Title>
              <Text size="sm" c="dimmed">
                At intake, a referral for the same patient and service line as a live one is flagged for staff to merge,
                link or dismiss. A change applies to referrals received from now on.
              </Text>
              <Switch label="Flag possible duplicates at intake" checked={draft.enabled}
                onChange={(e) => setDraft({ ...draft, enabled: e.currentTarget.checked })} />
              <NumberInput label="Window (days)" description="How many days apart two referrals may arrive and still be flagged"
                min={1} max={365} allowDecimal={false} value={draft.window_days}
                onChange={(v) => setDraft({ ...draft, window_days: typeof v === 'number' ? v : Number(v) || 0 })} />
              <Checkbox label="Also flag repeats through the same channel" description="By default only another channel counts, such as a fax and an EHR push"
                checked={draft.same_channel} onChange={(e) => setDraft({ ...draft, same_channel: e.currentTarget.checked })} />
              {save.error && <Alert color="red" role="alert">{problemText(save.error)}</Alert>}
              {save.isSuccess && !save.isPending && <Alert color="teal" role="status">Saved (version {save.data?.version}).</Alert>}
              <Group><Button type="submit" loading={save.isPending}>Save duplicate policy</Button></Group>
            </Stack>
          </form>
        )}
      </QueryState>
    </Paper>
  );
}
