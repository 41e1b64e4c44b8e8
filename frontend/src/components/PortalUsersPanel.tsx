// A practice's portal accounts, and (for administrators) inviting one more by e-mail.
import { useState } from 'react';
import { Alert, Button, Group, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ProblemError, unwrap } from '../api/client';
import type { Invitation, PortalUser } from '../api/contracts';
import { formatDateTime } from '../lib/format';
import { mapProblemToFields } from '../lib/problems';

export function PortalUsersPanel({ organizationId, canInvite }: { organizationId: string; canInvite: boolean }) {
  const queryClient = useQueryClient();
  const key = ['organization', organizationId, 'portal-users'];
  const users = useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET('/v1/organizations/{organization_id}/portal-users', {
      params: { path: { organization_id: organizationId } } })) as PortalUser[],
    retry: false,
  });
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<{ fields: Record<string, string>; general: string[] }>({ fields: {}, general: [] });
  const invite = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/organizations/{organization_id}/portal-users', {
      params: { path: { organization_id: organizationId } }, body: { email, full_name: name } })) as Invitation,
    onSuccess: (invitation) => {
      notifications.show({ color: 'teal', message: `Invitation sent to ${invitation.email}.` });
      setEmail('');
      setName('');
      setErrors({ fields: {}, general: [] });
      queryClient.invalidateQueries({ queryKey: key });
    },
    onError: (err) => setErrors(err instanceof ProblemError
      ? (() => { const m = mapProblemToFields(err.problem, ['email', 'full_name']); return m.general.length || Object.keys(m.fields).length ? m : { fields: {}, general: [err.message] }; })()
      : { fields: {}, general: ['Could not reach the server. Try again in a moment.'] }),
  });
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="portal-users-heading">
      <Stack gap="sm">
        <Title order={2} size="h4" id="portal-users-heading">Portal accounts</Title>
        <Text size="sm" c="dimmed">People of this practice who send and follow referrals in the referral portal.</Text>
        {users.error ? <Text size="sm" c="red.8">Could not load portal accounts.</Text>
          : (users.data ?? []).length === 0 ? <Text size="sm" c="dimmed">{users.isPending ? 'Loading…' : 'No portal accounts yet.'}</Text>
            : (
              <Table aria-label="Portal accounts">
                <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>E-mail</Table.Th><Table.Th>Last sign-in</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {users.data!.map((u) => (
                    <Table.Tr key={u.id}><Table.Td>{u.full_name}</Table.Td><Table.Td>{u.email}</Table.Td>
                      <Table.Td>{u.last_login_at ? formatDateTime(u.last_login_at) : 'Never'}</Table.Td></Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
        {canInvite && (
          <form aria-label="Invite to the portal" onSubmit={(e) => { e.preventDefault(); if (email.trim() && name.trim()) invite.mutate(); }}>
            <Stack gap="xs">
              {errors.general.map((g) => <Alert key={g} color="red" role="alert">{g}</Alert>)}
              <Group align="flex-end" grow>
                <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.fields.full_name} />
                <TextInput label="E-mail" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={errors.fields.email} />
                <Button type="submit" loading={invite.isPending} disabled={!email.trim() || !name.trim()}>Send invitation</Button>
              </Group>
              <Text size="xs" c="dimmed">The link works once and expires; resend or revoke it under Administration, Users.</Text>
            </Stack>
          </form>
        )}
      </Stack>
    </Paper>
  );
}
