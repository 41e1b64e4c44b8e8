// Pieces the administration sections share: organisations for pickers, one-time secrets, problem messages.
import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ProblemError, unwrap } from '../../api/client';
import type { Organization, Page } from '../../api/contracts';
import { mapProblemToFields } from '../../lib/problems';

export function useOrganizations() {
  return useQuery({
    queryKey: ['organizations', 'all'],
    queryFn: async () => unwrap(await api.GET('/v1/organizations', { params: { query: { limit: 200 } } })) as Page<Organization>,
    staleTime: 300_000,
  });
}

export function organizationName(orgs: Organization[] | undefined, id: string | null | undefined): string {
  if (!id) return '—';
  return orgs?.find((o) => o.id === id)?.name ?? id.slice(0, 8);
}

export function problemText(error: unknown): string {
  if (error instanceof ProblemError) {
    const fields = (error.problem.errors ?? []).map((e) => `${e.field.replace(/^body\./, '')}: ${e.message}`);
    return fields.length ? fields.join('; ') : error.message;
  }
  return 'Could not reach the server. Try again in a moment.';
}

/** A secret the server shows this once (API key, webhook signing secret, temporary password). */
export function OneTimeSecret({ title, secret, note, onClose }: { title: string; secret: string | null; note: string; onClose: () => void }) {
  return (
    <Modal opened={!!secret} onClose={onClose} title={title} size="lg" closeOnClickOutside={false}>
      <Stack>
        <Alert color="yellow" title="Shown once">
          {note} It cannot be shown again.
        </Alert>
        <Code block data-testid="one-time-secret" style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>{secret}</Code>
        <Group justify="flex-end">
          <CopyButton value={secret ?? ''}>
            {({ copied, copy }) => <Button variant="light" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}
          </CopyButton>
          <Button onClick={onClose}>Done</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function StatusText({ ok, yes, no }: { ok: boolean; yes: string; no: string }) {
  return <Text size="sm" c={ok ? 'teal.9' : 'red.8'} fw={500}>{ok ? yes : no}</Text>;
}

/** A temporary password that is easy to read out over the phone: four groups of letters and digits. */
export function temporaryPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz023456789'; // 32 symbols: no modulo bias
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const chars = Array.from(bytes, (b) => alphabet[b % alphabet.length]);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

/** A failed save, split into messages beside the form's fields and the rest for the banner. */
export function fieldErrors(error: unknown, fields: readonly string[]): { fields: Record<string, string>; general: string[] } {
  if (error instanceof ProblemError) return mapProblemToFields(error.problem, fields);
  return error ? { fields: {}, general: [problemText(error)] } : { fields: {}, general: [] };
}

// A list of rules an administrator edits in a modal and removes after confirming: the list, which one is being
// edited ('new' for a new one) or removed, the last error, and the delete that refreshes the list.
export function useRuleList<T>(queryKey: string[], fetchAll: () => Promise<T[]>, deleteOne: (rule: T) => Promise<unknown>) {
  const queryClient = useQueryClient();
  const rules = useQuery({ queryKey, queryFn: fetchAll });
  const [editing, setEditing] = useState<T | 'new' | null>(null);
  const [removing, setRemoving] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey });
  const remove = useMutation({
    mutationFn: deleteOne,
    onSuccess: () => { setRemoving(null); setError(null); refresh(); },
    onError: (err) => { setRemoving(null); setError(problemText(err)); },
  });
  return { rules, editing, setEditing, removing, setRemoving, error, refresh, remove };
}
