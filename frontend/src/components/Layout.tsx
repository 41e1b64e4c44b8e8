import type { ReactNode } from 'react';
import { AppShell, Badge, Burger, Button, Group, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconAddressBook, IconChartBar, IconChecklist, IconCoin, IconFilePlus, IconFileUpload, IconHeartHandshake, IconListCheck, IconListDetails, IconLayoutKanban, IconLogout, IconMail, IconSettings, IconTemplate, IconUsers } from '@tabler/icons-react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../auth/AuthContext';
import { canSee, SECTION_PATH, sectionsFor, type Section } from '../lib/roles';
import { SearchBox } from './SearchBox';

const NAV: Record<Section, { label: string; icon: ReactNode }> = {
  'work-queue': { label: 'Work queue', icon: <IconListCheck size={18} aria-hidden /> },
  pipeline: { label: 'Referrals', icon: <IconLayoutKanban size={18} aria-hidden /> },
  'new-referral': { label: 'New referral', icon: <IconFilePlus size={18} aria-hidden /> },
  tasks: { label: 'Tasks', icon: <IconChecklist size={18} aria-hidden /> },
  providers: { label: 'Provider directory', icon: <IconUsers size={18} aria-hidden /> },
  dashboard: { label: 'Dashboard', icon: <IconChartBar size={18} aria-hidden /> },
  messages: { label: 'Messages', icon: <IconMail size={18} aria-hidden /> },
  templates: { label: 'Message templates', icon: <IconTemplate size={18} aria-hidden /> },
  admin: { label: 'Admin', icon: <IconSettings size={18} aria-hidden /> },
  relationships: { label: 'My relationships', icon: <IconHeartHandshake size={18} aria-hidden /> },
  referrers: { label: 'Referrers', icon: <IconAddressBook size={18} aria-hidden /> },
  programs: { label: 'Programs & ROI', icon: <IconCoin size={18} aria-hidden /> },
  'directory-import': { label: 'Import providers', icon: <IconFileUpload size={18} aria-hidden /> },
  'directory-hygiene': { label: 'Directory to-do', icon: <IconListDetails size={18} aria-hidden /> },
};

function isActive(pathname: string, section: Section): boolean {
  const path = SECTION_PATH[section];
  if (section === 'pipeline') return pathname === path || (pathname.startsWith('/referrals/') && pathname !== '/referrals/new');
  if (section === 'providers' && ['/providers/import', '/providers/hygiene'].includes(pathname)) return false;
  return pathname === path || pathname.startsWith(`${path}/`);
}

export function Layout({ children }: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const { me, logout } = useAuth();
  const { pathname } = useLocation();
  const navigate = useNavigate();

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'md', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <a href="#main" className="skip-link">Skip to content</a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="md" size="sm" aria-label="Toggle navigation" />
            <Title order={3} c="indigo.7">Refloop</Title>
          </Group>
          {canSee(me?.role, 'pipeline') && <SearchBox />}
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" visibleFrom="sm" truncate maw={220}>{me?.full_name}</Text>
            <Badge variant="light" aria-label={`Role: ${me?.role}`}>{me?.role}</Badge>
            <Button
              variant="subtle"
              size="compact-sm"
              leftSection={<IconLogout size={16} aria-hidden />}
              onClick={async () => { await logout(); navigate('/login'); }}
            >
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation">
        {sectionsFor(me?.role).map((section) => (
          <NavLink
            key={section}
            component={Link}
            to={SECTION_PATH[section]}
            label={NAV[section].label}
            leftSection={NAV[section].icon}
            active={isActive(pathname, section)}
            aria-current={isActive(pathname, section) ? 'page' : undefined}
            onClick={close}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>{children}</AppShell.Main>
    </AppShell>
  );
}
