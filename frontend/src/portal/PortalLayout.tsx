// The referring practice's own area: its own header and navigation, none of the staff sections.
import type { ReactNode } from 'react';
import { AppShell, Burger, Button, Group, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../auth/AuthContext';

export const PORTAL_NAV = [
  { path: '/portal', label: 'Home' },
  { path: '/portal/referrals/new', label: 'New referral' },
  { path: '/portal/referrals', label: 'Referrals' },
  { path: '/portal/catalog', label: 'Services' },
];

function active(path: string, current: string): boolean {
  if (path === '/portal') return current === '/portal';
  if (path === '/portal/referrals') return current.startsWith('/portal/referrals') && current !== '/portal/referrals/new';
  return current === path;
}

export function PortalLayout({ children }: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const { me, logout } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'md', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="md" size="sm" aria-label="Toggle navigation" />
            <Title order={1} size="h4">Referral portal</Title>
          </Group>
          <Group gap="sm">
            <Text size="sm" visibleFrom="sm">{me?.full_name}</Text>
            <Button variant="subtle" size="compact-sm" onClick={async () => { await logout(); navigate('/login'); }}>Sign out</Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Portal navigation">
        {PORTAL_NAV.map((item) => (
          <NavLink key={item.path} component={Link} to={item.path} label={item.label} onClick={close}
            active={active(item.path, location.pathname)} aria-current={active(item.path, location.pathname) ? 'page' : undefined} />
        ))}
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>{children}</AppShell.Main>
    </AppShell>
  );
}
