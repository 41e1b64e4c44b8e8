import { lazy, Suspense, type ReactNode } from 'react';
import { Center, Loader } from '@mantine/core';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { useAuth } from './auth/AuthContext';
import { Layout } from './components/Layout';
import { canSeeDuplicates, canSee, homeFor, type Section } from './lib/roles';
import { LoginPage } from './pages/LoginPage';
import { PipelinePage } from './pages/PipelinePage';
import { ReferralPage } from './pages/ReferralPage';
import { NewReferralPage } from './pages/NewReferralPage';
import { TasksPage } from './pages/TasksPage';
import { DirectoryHygienePage } from './pages/DirectoryHygienePage';
import { DirectoryImportPage } from './pages/DirectoryImportPage';
import { ProvidersPage } from './pages/ProvidersPage';
import { DuplicatesPage } from './pages/DuplicatesPage';
import { ProviderPage } from './pages/ProviderPage';
import { NotAllowed } from './components/NotAllowed';
import { SearchPage } from './pages/SearchPage';
import { MessagesPage } from './pages/MessagesPage';
import { TemplatesPage } from './pages/TemplatesPage';
import { ChangePasswordPage } from './pages/ChangePasswordPage';
import { AcceptInvitationPage } from './pages/AcceptInvitationPage';
import { PatientLinkPage } from './pages/PatientLinkPage';
import { RelationshipsHomePage } from './pages/RelationshipsHomePage';
import { WorkQueuePage } from './pages/WorkQueuePage';
import { PortalApp } from './portal/PortalApp';

// Relationship pages carry charts too: loaded on first visit.
const ReferrersPage = lazy(() => import('./pages/ReferrersPage').then((m) => ({ default: m.ReferrersPage })));
const ReferrerPage = lazy(() => import('./pages/ReferrerPage').then((m) => ({ default: m.ReferrerPage })));
const PracticePage = lazy(() => import('./pages/PracticePage').then((m) => ({ default: m.PracticePage })));
const ProgramsPage = lazy(() => import('./pages/ProgramsPage').then((m) => ({ default: m.ProgramsPage })));

// The charts library is most of the bundle: load it only for the dashboard.
const DashboardPage = lazy(() => import('./pages/DashboardPage').then((m) => ({ default: m.DashboardPage })));
const AdminPage = lazy(() => import('./pages/admin/AdminPage').then((m) => ({ default: m.AdminPage })));

function Guard({ section, children }: { section: Section; children: ReactNode }) {
  const { me } = useAuth();
  return canSee(me?.role, section) ? <>{children}</> : <NotAllowed />;
}

export function App() {
  const { signedIn, loading, me } = useAuth();
  const location = useLocation();
  if (location.pathname.startsWith('/invite/')) {
    // An e-mailed one-time link: it works whoever is signed in here, and signs its owner in.
    return (
      <Routes>
        <Route path="/invite/:token" element={<AcceptInvitationPage />} />
      </Routes>
    );
  }
  if (location.pathname.startsWith('/a/')) {
    // A patient's appointment link: public, outside the staff layout, whoever is signed in here.
    return (
      <Routes>
        <Route path="/a/:token" element={<PatientLinkPage />} />
      </Routes>
    );
  }
  if (loading) {
    return <Center h="100vh"><Loader aria-label="Loading" /></Center>;
  }
  if (!signedIn) {
    return (
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="*" element={<Navigate to="/login" replace state={{ from: location.pathname + location.search }} />} />
      </Routes>
    );
  }
  if (me?.password_change_required) {
    // A password an administrator set: nothing else until the user picks their own (the API insists too).
    return <ChangePasswordPage />;
  }
  if (me?.role === 'referrer') {
    // A referring practice's person: the portal, and nothing of the staff app.
    return <PortalApp />;
  }
  return (
    <Layout>
      <Routes>
        <Route path="/" element={<Navigate to={homeFor(me?.role)} replace />} />
        <Route path="/login" element={<Navigate to={homeFor(me?.role)} replace />} />
        <Route path="/work-queue" element={<Guard section="work-queue"><WorkQueuePage /></Guard>} />
        <Route path="/referrals" element={<Guard section="pipeline"><PipelinePage /></Guard>} />
        <Route path="/referrals/new" element={<Guard section="new-referral"><NewReferralPage /></Guard>} />
        <Route path="/referrals/:id" element={<Guard section="pipeline"><ReferralPage /></Guard>} />
        <Route path="/search" element={<Guard section="pipeline"><SearchPage /></Guard>} />
        <Route path="/tasks" element={<Guard section="tasks"><TasksPage /></Guard>} />
        <Route path="/providers" element={<Guard section="providers"><ProvidersPage /></Guard>} />
        <Route path="/providers/import" element={<Guard section="directory-import"><DirectoryImportPage /></Guard>} />
        <Route path="/providers/hygiene" element={<Guard section="directory-hygiene"><DirectoryHygienePage /></Guard>} />
        <Route path="/providers/duplicates" element={canSeeDuplicates(me?.role) ? <DuplicatesPage /> : <NotAllowed />} />
        {/* Analysts reach a referrer's page from the dashboard's top referrers, though not the directory. */}
        <Route path="/providers/:id" element={me?.role === 'analyst' ? <ProviderPage /> : <Guard section="providers"><ProviderPage /></Guard>} />
        <Route
          path="/dashboard"
          element={<Guard section="dashboard"><Suspense fallback={<Loader aria-label="Loading dashboard" />}><DashboardPage /></Suspense></Guard>}
        />
        <Route path="/messages" element={<Guard section="messages"><MessagesPage /></Guard>} />
        <Route path="/templates" element={<Guard section="templates"><TemplatesPage /></Guard>} />
        <Route
          path="/admin/*"
          element={<Guard section="admin"><Suspense fallback={<Loader aria-label="Loading administration" />}><AdminPage /></Suspense></Guard>}
        />
        <Route path="/relationships" element={<Guard section="relationships"><RelationshipsHomePage /></Guard>} />
        <Route path="/referrers" element={<Guard section="referrers"><Suspense fallback={<Loader aria-label="Loading referrers" />}><ReferrersPage /></Suspense></Guard>} />
        <Route path="/referrers/:id" element={<Guard section="referrers"><Suspense fallback={<Loader aria-label="Loading referrer" />}><ReferrerPage /></Suspense></Guard>} />
        <Route path="/practices/:id" element={<Guard section="referrers"><Suspense fallback={<Loader aria-label="Loading practice" />}><PracticePage /></Suspense></Guard>} />
        <Route path="/programs" element={<Guard section="programs"><Suspense fallback={<Loader aria-label="Loading programs" />}><ProgramsPage /></Suspense></Guard>} />
        <Route path="*" element={<NotAllowed notFound />} />
      </Routes>
    </Layout>
  );
}
