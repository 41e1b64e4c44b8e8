import { useState } from 'react';
import { ActionIcon, Alert, Badge, Button, Group, Menu, Modal, Paper, ScrollArea, Select, Stack, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { IconDots, IconUserPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { Page, Role, UserSummary } from '../../api/contracts';
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
const roleLabel = (role: string) => ROLES.find((r) => r.value === role)?.label ?? role;

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
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['admin', 'users'] });

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
        <Text c="dimmed" size="sm">Invited users and password resets get a temporary password that they must replace at their next sign-in.</Text>
        <Button leftSection={<IconUserPlus size={16} aria-hidden />} onClick={() => setDialog({ kind: 'invite' })}>Invite user</Button>
      </Group>
      {error && <Alert color="red" role="alert" withCloseButton onClose={() => setError(null)}>{error}</Alert>}
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
        <InviteDialog onClose={() => setDialog(null)} onDone={(email, password) => { setDialog(null); setRevealed({ email, password }); refresh(); }} />
      )}
      {dialog?.kind === 'role' && (
        <RoleDialog user={dialog.user} onClose={() => setDialog(null)}
          onSave={(role) => patch.mutate({ id: dialog.user.id, body: { role } }, { onSuccess: () => setDialog(null) })} />
      )}
      {dialog?.kind === 'reset' && (
        <ResetDialog user={dialog.user} onClose={() => setDialog(null)}
          onDone={(password) => { const email = dialog.user.email; setDialog(null); setRevealed({ email, password }); refresh(); }} />
      )}
      <OneTimeSecret title={`Temporary password for ${revealed?.email ?? ''}`} secret={revealed?.password ?? null}
        note="Give this password to the user. At their next sign-in it only lets them choose their own."
        onClose={() => setRevealed(null)} />
    </Stack>
  );
}

function InviteDialog({ onClose, onDone }: { onClose: () => void; onDone: (email: string, password: string) => void }) {
  const [email, setEmail] = useState('');
  const [fullName, setFullName] = useState('');
  const [role, setRole] = useState<Role | null>('intake');
  const [queue, setQueue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit() {
    setBusy(true);
    const password = temporaryPassword();
    try {
      unwrap(await api.POST('/v1/users', {
        body: { email, full_name: fullName, role: role as Role, password, queue: queue.trim() || null, password_change_required: true },
      }));
      onDone(email, password);
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
        <Text size="sm" c="dimmed">A temporary password is generated and shown once, for you to pass on.</Text>
        <Group justify="flex-end"><Button variant="default" onClick={onClose}>Cancel</Button>
          <Button onClick={submit} loading={busy} disabled={!email || !fullName || !role}>Create user</Button></Group>
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

function ResetDialog({ user, onClose, onDone }: { user: UserSummary; onClose: () => void; onDone: (password: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function reset() {
    setBusy(true);
    const password = temporaryPassword();
    try {
      unwrap(await api.PATCH('/v1/users/{user_id}', { params: { path: { user_id: user.id } }, body: { password } }));
      onDone(password);
    } catch (err) {
      setError(problemText(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal opened onClose={onClose} title={`Reset password of ${user.full_name}`}>
      <Stack>
        {error && <Alert color="red" role="alert">{error}</Alert>}
        <Text size="sm">{user.email} gets a new temporary password, is signed out everywhere, and must choose their own at the next sign-in.</Text>
        <Group justify="flex-end"><Button variant="default" onClick={onClose}>Cancel</Button>
          <Button color="red" onClick={reset} loading={busy}>Reset password</Button></Group>
      </Stack>
    </Modal>
  );
}
