import { Stack, Tabs, Title } from '@mantine/core';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { UsersSection } from './UsersSection';
import { ApiKeysSection } from './ApiKeysSection';
import { EhrClientsSection } from './EhrClientsSection';
import { WebhooksSection } from './WebhooksSection';
import { AuditSection } from './AuditSection';
import { MailSection } from './MailSection';
import { CompletenessSection } from './CompletenessSection';
import { RoutingSection } from './RoutingSection';
import { QueuesSection } from './QueuesSection';
import { CalendarsSection } from './CalendarsSection';
import { RelationshipsSection } from './RelationshipsSection';
import { PreparationSection } from './PreparationSection';
import { CatalogSection } from './CatalogSection';
import { DuplicatesSection } from './DuplicatesSection';

const TABS = [
  { path: 'users', label: 'Users', element: <UsersSection /> },
  { path: 'api-keys', label: 'API keys', element: <ApiKeysSection /> },
  { path: 'ehr-clients', label: 'EHR clients', element: <EhrClientsSection /> },
  { path: 'completeness', label: 'Completeness', element: <CompletenessSection /> },
  { path: 'catalog', label: 'Service catalog', element: <CatalogSection /> },
  { path: 'routing', label: 'Routing', element: <RoutingSection /> },
  { path: 'duplicates', label: 'Duplicates', element: <DuplicatesSection /> },
  { path: 'queues', label: 'Work queues', element: <QueuesSection /> },
  { path: 'calendars', label: 'Calendars & SLA', element: <CalendarsSection /> },
  { path: 'preparation', label: 'Visit preparation', element: <PreparationSection /> },
  { path: 'webhooks', label: 'Webhooks', element: <WebhooksSection /> },
  { path: 'relationships', label: 'Relationships', element: <RelationshipsSection /> },
  { path: 'audit', label: 'Audit log', element: <AuditSection /> },
  { path: 'mail', label: 'Mail (development)', element: <MailSection /> },
];

export function AdminPage() {
  const { pathname } = useLocation();
  const navigate = useNavigate();
  const current = pathname.split('/')[2] ?? 'users';
  return (
    <Stack gap="md">
      <Title order={1} size="h2">Administration</Title>
      <Tabs value={current} onChange={(value) => value && navigate(`/admin/${value}`)} keepMounted={false}>
        <Tabs.List aria-label="Administration sections">
          {TABS.map((t) => <Tabs.Tab key={t.path} value={t.path}>{t.label}</Tabs.Tab>)}
        </Tabs.List>
      </Tabs>
      <Routes>
        <Route index element={<Navigate to="users" replace />} />
        {TABS.map((t) => <Route key={t.path} path={`${t.path}/*`} element={t.element} />)}
      </Routes>
    </Stack>
  );
}
