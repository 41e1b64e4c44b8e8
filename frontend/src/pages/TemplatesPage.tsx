import { useState } from 'react';
import { Alert, Badge, Button, Grid, Group, NavLink, Paper, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router-dom';
import { api, ProblemError, unwrap } from '../api/client';
import type { MessageTemplate, TemplatePreview } from '../api/contracts';
import { useAuth } from '../auth/AuthContext';
import { QueryState } from '../components/QueryState';
import { channelLabel, kindLabel } from '../lib/outreach';

type Kind = MessageTemplate['kind'];
type Channel = MessageTemplate['channel'];

function problemText(error: unknown): string | null {
  if (!error) return null;
  if (error instanceof ProblemError) return error.problem.errors?.map((e) => e.message).join(' ') || error.message;
  return (error as Error).message;
}

/** Message wordings: pick one, edit it with a live preview, save it or go back to the built-in text. */
export function TemplatesPage() {
  const [params, setParams] = useSearchParams();
  const templates = useQuery({
    queryKey: ['templates'],
    queryFn: async () => unwrap(await api.GET('/v1/templates')) as MessageTemplate[],
  });
  const list = templates.data ?? [];
  const kind = (params.get('kind') ?? list[0]?.kind) as Kind | undefined;
  const channel = (params.get('channel') ?? 'email') as Channel;
  const selected = list.find((t) => t.kind === kind && t.channel === channel);

  return (
    <Stack gap="md">
      <Title order={1} size="h2">Message templates</Title>
      <QueryState isPending={templates.isPending} error={templates.error} what="templates">
        <Grid gap="md">
          <Grid.Col span={{ base: 12, md: 4, lg: 3 }}>
            <Paper withBorder radius="md" component="nav" aria-label="Templates">
                {list.map((t) => (
                  <NavLink
                    key={`${t.kind}/${t.channel}`}
                    label={kindLabel(t.kind)}
                    description={`${channelLabel(t.channel)}${t.customised ? ' · edited' : ''}`}
                    active={t.kind === kind && t.channel === channel}
                    aria-current={t.kind === kind && t.channel === channel ? 'true' : undefined}
                    onClick={() => setParams({ kind: t.kind, channel: t.channel }, { replace: true })}
                  />
                ))}
            </Paper>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 8, lg: 9 }}>
            {selected && <TemplateEditor key={`${selected.kind}/${selected.channel}/${selected.version ?? 0}/${selected.customised}`} template={selected} />}
          </Grid.Col>
        </Grid>
      </QueryState>
    </Stack>
  );
}

function TemplateEditor({ template }: { template: MessageTemplate }) {
  const { me } = useAuth();
  const canEdit = me?.role === 'admin';
  const queryClient = useQueryClient();
  const [subject, setSubject] = useState(template.subject ?? '');
  const [body, setBody] = useState(template.body);
  const [debounced] = useDebouncedValue({ subject, body }, 300);
  const isEmail = template.channel === 'email';
  const draft = { kind: template.kind, channel: template.channel, subject: isEmail ? debounced.subject : null, body: debounced.body };
  const preview = useQuery({
    queryKey: ['template-preview', draft],
    queryFn: async () => unwrap(await api.POST('/v1/templates/preview', { body: draft })) as TemplatePreview,
    retry: false,
    placeholderData: (previous) => previous,
    enabled: debounced.body.trim().length > 0,
  });
  const done = (message: string) => {
    notifications.show({ color: 'teal', message });
    queryClient.invalidateQueries({ queryKey: ['templates'] });
  };
  const save = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/templates', {
      body: { kind: template.kind, channel: template.channel, subject: isEmail ? subject : null, body },
    })),
    onSuccess: () => done('Template saved; new messages use it within seconds.'),
  });
  const reset = useMutation({
    mutationFn: async () => unwrap(await api.DELETE('/v1/templates/{kind}/{channel}', {
      params: { path: { kind: template.kind, channel: template.channel } },
    })),
    onSuccess: () => done('Template reset to the built-in wording.'),
  });
  const changed = body !== template.body || (isEmail && subject !== (template.subject ?? ''));
  const previewError = preview.error ? problemText(preview.error) : null;

  return (
    <Grid gap="md">
      <Grid.Col span={{ base: 12, lg: 6 }}>
        <Paper withBorder p="md" radius="md" component="section" aria-labelledby="editor-heading">
          <Group justify="space-between" mb="sm">
            <Title order={2} size="h4" id="editor-heading">{kindLabel(template.kind)} · {channelLabel(template.channel)}</Title>
            <Badge variant="light" color={template.customised ? 'indigo' : 'gray'}>{template.customised ? 'Edited' : 'Built-in'}</Badge>
          </Group>
          <Stack gap="sm">
            {isEmail && <TextInput label="Subject" value={subject} onChange={(e) => setSubject(e.currentTarget.value)} readOnly={!canEdit} />}
            <Textarea label="Body" value={body} onChange={(e) => setBody(e.currentTarget.value)} autosize minRows={10} maxRows={24}
              readOnly={!canEdit} styles={{ input: { fontFamily: 'monospace', fontSize: 13 } }}
              description="Jinja2: {{ referrer.display_name }}, {{ patient.short_name }}, {{ referral.reference }}…" />
            {save.error && <Alert color="red" title="Not saved">{problemText(save.error)}</Alert>}
            {canEdit ? (
              <Group justify="flex-end">
                <Button variant="default" onClick={() => reset.mutate()} loading={reset.isPending} disabled={!template.customised}>Reset to default</Button>
                <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!changed}>Save template</Button>
              </Group>
            ) : (
              <Text size="sm" c="dimmed">Only an administrator can change templates; you can try wording in the preview.</Text>
            )}
          </Stack>
        </Paper>
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 6 }}>
        <Paper withBorder p="md" radius="md" component="section" aria-labelledby="preview-heading" aria-live="polite">
          <Title order={2} size="h4" id="preview-heading" mb="sm">Preview with sample values</Title>
          {previewError ? (
            <Alert color="red" title="This template would not render">{previewError}</Alert>
          ) : preview.data ? (
            <Stack gap="xs" data-testid="template-preview">
              {preview.data.subject && <Text fw={600} size="sm">Subject: {preview.data.subject}</Text>}
              <Text size="sm" className="timeline-note">{preview.data.body}</Text>
            </Stack>
          ) : (
            <Text size="sm" c="dimmed">Rendering…</Text>
          )}
        </Paper>
      </Grid.Col>
    </Grid>
  );
}


