import { useState } from 'react';
import { ActionIcon, Alert, Badge, Button, Group, Menu, Modal, Paper, ScrollArea, Select, Stack, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { IconDots, IconUserPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { Invitation, Page, Role, UserSummary } from '../../api/contracts';
import { QueryState } from '../../components/QueryState';
import { formatDateTime } from '../../lib/format';
import { OneTimeSecret, problemText, temporaryPassword } from './shared';

const ROLES: { value: Role; label: string }[] = [
  { value: 'admin', label: 'Administrator' },
  { value: 'intake', label: 'Intake coordinator' },
  { value: 'liaison', label: 'Provider-relations liaison' },
  { value: 'clinician', label: 'Clinician' },
  { value: 'analyst', label: 'Practice analyst' },
];
// Portal accounts are invited from their practice's page, so `referrer` is shown but never offered here.
const roleLabel = (role: string) => role === 'referrer' ? 'Practice portal user' : ROLES.find((r) => r.value === role)?.label ?? role;

type Dialog = { kind: 'invite' } | { kind: 'role'; user: UserSummary } | { kind: 'reset'; user: UserSummary } | null;

export function UsersSection() {
  const queryClient = useQueryClient();
  const users = useQuery({
    queryKey: ['admin', 'users'],
    queryFn: async () => unwrap(await api.GET('/v1/users', { params: { query: { limit: 200 } } })) as Page<UserSummary>,
  });
  const [dialog, setDialog] = useState<Dialog>(null);
  const [revealed, setRevealed] = useState<{ email: string; password: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['admin'] });

  const patch = useMutation({
    mutationFn: async ({ id, body }: { id: string; body: { role?: Role; active?: boolean; password?: string } }) =>
      unwrap(await api.PATCH('/v1/users/{user_id}', { params: { path: { user_id: id } }, body })),
    onSuccess: () => { setError(null); refresh(); },
    onError: (err) => setError(problemText(err)),
  });
  const unlock = useMutation({
    mutationFn: async (id: string) => unwrap(await api.POST('/v1/users/{user_id}/unlock', { params: { path: { user_id: id } } })),
    onSuccess: () => { setError(null); refresh(); },
    onError: (err) => setError(problemText(err)),
  });

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text c="dimmed" size="sm">Invitations and reset links go out by e-mail: a one-time link to choose a password and sign in.</Text>
        <Button leftSection={<IconUserPlus size={16} aria-hidden />} onClick={() => setDialog({ kind: 'invite' })}>Invite user</Button>
      </Group>
      {error && <Alert color="red" role="alert" withCloseButton closeButtonLabel="Dismiss" onClose={() => setError(null)}>{error}</Alert>}
      {sent && <Alert color="teal" role="status" withCloseButton closeButtonLabel="Dismiss" onClose={() => setSent(null)}>{sent}</Alert>}
      <PendingInvitations onError={setError} onDone={(text) => { setSent(text); refresh(); }} />
      <QueryState isPending={users.isPending} error={users.error} what="users">
        <Paper withBorder radius="md">
          <ScrollArea>
            <Table verticalSpacing="xs" miw={760} highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th><Table.Th>E-mail</Table.Th><Table.Th>Role</Table.Th>
                  <Table.Th>Status</Table.Th><Table.Th>Last sign-in</Table.Th><Table.Th><VisuallyHidden>Actions</VisuallyHidden></Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(users.data?.items ?? []).map((u) => (
                  <Table.Tr key={u.id} data-email={u.email}>
                    <Table.Td>{u.full_name}</Table.Td>
                    <Table.Td>{u.email}</Table.Td>
                    <Table.Td>{roleLabel(u.role)}{u.queue ? <Text size="xs" c="dimmed">{u.queue}</Text> : null}</Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        <Badge variant="light" color={u.active ? 'teal' : 'gray'}>{u.active ? 'Active' : 'Disabled'}</Badge>
                        {u.locked && <Badge variant="filled" color="red.9">Locked</Badge>}
                        {u.password_change_required && <Badge variant="light" color="orange">Temporary password</Badge>}
                      </Group>
                    </Table.Td>
                    <Table.Td>{formatDateTime(u.last_login_at)}</Table.Td>
                    <Table.Td>
                      <Menu position="bottom-end" withinPortal>
                        <Menu.Target>
                          <ActionIcon variant="subtle" aria-label={`Actions for ${u.email}`}><IconDots size={18} aria-hidden /></ActionIcon>
                        </Menu.Target>
                        <Menu.Dropdown>
                          <Menu.Item onClick={() => setDialog({ kind: 'role', user: u })}>Change role…</Menu.Item>
                          <Menu.Item onClick={() => setDialog({ kind: 'reset', user: u })}>Reset password…</Menu.Item>
                          {u.locked && <Menu.Item onClick={() => unlock.mutate(u.id)}>Unlock</Menu.Item>}
                          <Menu.Item color={u.active ? 'red' : undefined} onClick={() => patch.mutate({ id: u.id, body: { active: !u.active } })}>
                            {u.active ? 'Disable (ends sessions)' : 'Enable'}
                          </Menu.Item>
                        </Menu.Dropdown>
                      </Menu>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        </Paper>
      </QueryState>
      {dialog?.kind === 'invite' && (
        <InviteDialog onClose={() => setDialog(null)}
          onDone={(invitation) => { setDialog(null); setSent(`Invitation sent to ${invitation.email}.`); refresh(); }} />
      )}
      {dialog?.kind === 'role' && (
        <RoleDialog user={dialog.user} onClose={() => setDialog(null)}
          onSave={(role) => patch.mutate({ id: dialog.user.id, body: { role } }, { onSuccess: () => setDialog(null) })} />
      )}
      {dialog?.kind === 'reset' && (
        <ResetDialog user={dialog.user} onClose={() => setDialog(null)}
          onDone={(password) => { const email = dialog.user.email; setDialog(null); setRevealed({ email, password }); refresh(); }}
          onLinkSent={() => { const email = dialog.user.email; setDialog(null); setSent(`Reset link sent to ${email}.`); refresh(); }} />
      )}
      <OneTimeSecret title={`Temporary password for ${revealed?.email ?? ''}`} secret={revealed?.password ?? null}
        note="Give this password to the user. At their next sign-in it only lets them choose their own."
        onClose={() => setRevealed(null)} />
    </Stack>
  );
}

function InviteDialog({ onClose, onDone }: { onClose: () => void; onDone: (invitation: Invitation) => void }) {
  const [email, setEmail] = useState('');
  const [fullName, setFullName] = useState('');
  const [role, setRole] = useState<Role | null>('intake');
  const [queue, setQueue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit() {
    setBusy(true);
    try {
      const invitation = unwrap(await api.POST('/v1/invitations', {
        body: { email, full_name: fullName, role: role as Role, queue: queue.trim() || null },
      })) as Invitation;
      onDone(invitation);
    } catch (err) {
      setError(problemText(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal opened onClose={onClose} title="Invite user">
      <Stack>
        {error && <Alert color="red" role="alert">{error}</Alert>}
        <TextInput label="E-mail" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} data-autofocus />
        <TextInput label="Full name" required value={fullName} onChange={(e) => setFullName(e.currentTarget.value)} />
        <Select label="Role" data={ROLES} value={role} onChange={(v) => setRole(v as Role)} allowDeselect={false} />
        <TextInput label="Work queue (optional)" placeholder="e.g. cardiology-intake" value={queue} onChange={(e) => setQueue(e.currentTarget.value)} />
        <Text size="sm" c="dimmed">They get an e-mail with a one-time link to choose their password and sign in. It works once, for 72 hours.</Text>
        <Group justify="flex-end"><Button variant="default" onClick={onClose}>Cancel</Button>
          <Button onClick={submit} loading={busy} disabled={!email || !fullName || !role}>Send invitation</Button></Group>
      </Stack>
    </Modal>
  );
}

function RoleDialog({ user, onClose, onSave }: { user: UserSummary; onClose: () => void; onSave: (role: Role) => void }) {
  const [role, setRole] = useState<Role>(user.role);
  return (
    <Modal opened onClose={onClose} title={`Role of ${user.full_name}`}>
      <Stack>
        <Select label="Role" data={ROLES} value={role} onChange={(v) => v && setRole(v as Role)} allowDeselect={false} />
        <Text size="sm" c="dimmed">Changing the role signs the user out everywhere.</Text>
        <Group justify="flex-end"><Button variant="default" onClick={onClose}>Cancel</Button>
          <Button onClick={() => onSave(role)} disabled={role === user.role}>Save role</Button></Group>
      </Stack>
    </Modal>
  );
}

function ResetDialog({ user, onClose, onDone, onLinkSent }: {
  user: UserSummary; onClose: () => void; onDone: (password: string) => void; onLinkSent: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'link' | 'password' | null>(null);
  async function sendLink() {
    setBusy('link');
    try {
      unwrap(await api.POST('/v1/users/{user_id}/reset-link', { params: { path: { user_id: user.id } } }));
      onLinkSent();
    } catch (err) {
      setError(problemText(err));
    } finally {
      setBusy(null);
    }
  }
  async function reset() {
    setBusy('password');
    const password = temporaryPassword();
    try {
      unwrap(await api.PATCH('/v1/users/{user_id}', { params: { path: { user_id: user.id } }, body: { password } }));
      onDone(password);
    } catch (err) {
      setError(problemText(err));
    } finally {
      setBusy(null);
    }
  }
  return (
    <Modal opened onClose={onClose} title={`Reset password of ${user.full_name}`}>
      <Stack>
        {error && <Alert color="red" role="alert">{error}</Alert>}
        <Text size="sm">
          <b>E-mail a reset link</b>: {user.email} gets a one-time link (valid 72 hours) to choose a new password; the current one
          works until then.
        </Text>
        <Text size="sm">
          <b>Temporary password</b>: for when e-mail cannot reach them. They are signed out everywhere and must choose their own at the next sign-in.
        </Text>
        <Group justify="flex-end"><Button variant="default" onClick={onClose}>Cancel</Button>
          <Button variant="light" color="red" onClick={reset} loading={busy === 'password'} disabled={!!busy}>Set a temporary password</Button>
          <Button onClick={sendLink} loading={busy === 'link'} disabled={!!busy}>E-mail a reset link</Button></Group>
      </Stack>
    </Modal>
  );
}

const INVITATION_STATUS: Record<Invitation['status'], { label: string; color: string; variant: 'light' | 'outline' }> = {
  pending: { label: 'Pending', color: 'blue', variant: 'light' },
  expired: { label: 'Expired', color: 'red.9', variant: 'outline' },
  accepted: { label: 'Accepted', color: 'teal', variant: 'light' },
  revoked: { label: 'Revoked', color: 'gray', variant: 'light' },
};

/** Links not used yet (pending or expired): resend makes a new one, revoke withdraws it. */
function PendingInvitations({ onError, onDone }: { onError: (text: string) => void; onDone: (text: string) => void }) {
  const invitations = useQuery({
    queryKey: ['admin', 'invitations'],
    queryFn: async () => unwrap(await api.GET('/v1/invitations', { params: { query: { limit: 200 } } })) as Page<Invitation>,
  });
  const act = useMutation({
    mutationFn: async ({ id, action }: { id: string; action: 'resend' | 'revoke' }) => {
      const params = { params: { path: { invitation_id: id } } };
      return unwrap(action === 'resend'
        ? await api.POST('/v1/invitations/{invitation_id}/resend', params)
        : await api.POST('/v1/invitations/{invitation_id}/revoke', params)) as Invitation;
    },
    onSuccess: (inv, { action }) => onDone(action === 'resend' ? `A new link was sent to ${inv.email}; the previous one no longer works.`
      : `The link for ${inv.email} was revoked.`),
    onError: (err) => onError(problemText(err)),
  });
  const open = (invitations.data?.items ?? []).filter((i) => i.status === 'pending' || i.status === 'expired');
  if (!open.length) return null;
  return (
    <Paper withBorder radius="md" p="sm" component="section" aria-labelledby="pending-invitations">
      <Text fw={600} size="sm" id="pending-invitations" mb="xs">Pending invitations and reset links</Text>
      <ScrollArea>
        <Table verticalSpacing="xs" miw={760}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th><Table.Th>E-mail</Table.Th><Table.Th>For</Table.Th><Table.Th>Status</Table.Th>
              <Table.Th>Link works until</Table.Th><Table.Th><VisuallyHidden>Actions</VisuallyHidden></Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {open.map((i) => (
              <Table.Tr key={i.id} data-invitation={i.email}>
                <Table.Td>{i.full_name}</Table.Td>
                <Table.Td>{i.email}</Table.Td>
                <Table.Td>{i.purpose === 'reset' ? 'Password reset' : roleLabel(i.role)}</Table.Td>
                <Table.Td><Badge variant={INVITATION_STATUS[i.status].variant} color={INVITATION_STATUS[i.status].color}>{INVITATION_STATUS[i.status].label}</Badge></Table.Td>
                <Table.Td>{formatDateTime(i.expires_at)}{i.sends > 1 ? <Text size="xs" c="dimmed">sent {i.sends} times</Text> : null}</Table.Td>
                <Table.Td>
                  <Group gap="xs" justify="flex-end" wrap="nowrap">
                    <Button size="compact-sm" variant="light" aria-label={`Resend the link to ${i.email}`}
                      onClick={() => act.mutate({ id: i.id, action: 'resend' })}>Resend</Button>
                    <Button size="compact-sm" variant="subtle" color="red" aria-label={`Revoke the link for ${i.email}`}
                      onClick={() => act.mutate({ id: i.id, action: 'revoke' })}>Revoke</Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
    </Paper>
  );
}
