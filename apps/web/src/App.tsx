import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { useMe } from './api/queries';
import { ErrorState, Loading } from './components/States';
import { Shell } from './components/Shell';
import { SignInPage } from './pages/SignInPage';
import { AccountPage } from './pages/account/AccountPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { WorkspaceAuditPage } from './pages/workspace/WorkspaceAuditPage';
import { AgentsPage } from './pages/workspace/AgentsPage';
import { BillingPage } from './pages/workspace/BillingPage';
import { ChannelsPage } from './pages/workspace/ChannelsPage';
import { WidgetPage } from './pages/workspace/WidgetPage';
import { DataPage } from './pages/workspace/DataPage';
import { InboxPage } from './pages/workspace/InboxPage';
import { KnowledgePage } from './pages/workspace/KnowledgePage';
import { WebhooksPage } from './pages/workspace/WebhooksPage';
import { ApiKeysPage } from './pages/workspace/ApiKeysPage';
import { ProvisioningPage } from './pages/workspace/ProvisioningPage';
import { MembersPage } from './pages/workspace/MembersPage';
import { OverviewPage } from './pages/workspace/OverviewPage';
import { SettingsPage } from './pages/workspace/SettingsPage';
import { WorkspaceLayout } from './pages/workspace/WorkspaceLayout';
import { WorkspacesPage } from './pages/WorkspacesPage';

// The staff console is a separate chunk: customers never download it.
const StaffLayout = lazy(() => import('./pages/staff/StaffLayout').then((m) => ({ default: m.StaffLayout })));
const StaffAuditPage = lazy(() => import('./pages/staff/StaffAuditPage').then((m) => ({ default: m.StaffAuditPage })));
const StaffFleetPage = lazy(() => import('./pages/staff/StaffFleetPage').then((m) => ({ default: m.StaffFleetPage })));
const StaffWorkspacePage = lazy(() =>
  import('./pages/staff/StaffWorkspacePage').then((m) => ({ default: m.StaffWorkspacePage })),
);
const StaffQueuesPage = lazy(() =>
  import('./pages/staff/StaffQueuesPage').then((m) => ({ default: m.StaffQueuesPage })),
);

function RequireSignIn({ children }: { children: React.ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Loading />;
  if (me.isError) return <ErrorState error={me.error} onRetry={() => void me.refetch()} />;
  if (!me.data)
    return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return <>{children}</>;
}

function RequireStaff({ children }: { children: React.ReactNode }) {
  const me = useMe();
  if (!me.data?.isStaff)
    return <ErrorState title="Staff only" error={new Error('This console is for Enclave staff.')} />;
  return <>{children}</>;
}

export function App() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignInPage />} />
      <Route
        element={
          <RequireSignIn>
            <Shell />
          </RequireSignIn>
        }
      >
        <Route index element={<WorkspacesPage />} />
        <Route path="account" element={<AccountPage />} />
        <Route path="workspaces/:id" element={<WorkspaceLayout />}>
          <Route index element={<OverviewPage />} />
          <Route path="inbox" element={<InboxPage />} />
          <Route path="knowledge" element={<KnowledgePage />} />
          <Route path="provisioning" element={<ProvisioningPage />} />
          <Route path="agents" element={<AgentsPage />} />
          <Route path="channels" element={<ChannelsPage />} />
          <Route path="widget" element={<WidgetPage />} />
          <Route path="webhooks" element={<WebhooksPage />} />
          <Route path="api-keys" element={<ApiKeysPage />} />
          <Route path="data" element={<DataPage />} />
          <Route path="billing" element={<BillingPage />} />
          <Route path="members" element={<MembersPage />} />
          <Route path="audit" element={<WorkspaceAuditPage />} />
          <Route path="settings" element={<SettingsPage />} />
        </Route>
        <Route
          path="staff"
          element={
            <RequireStaff>
              <Suspense fallback={<Loading />}>
                <StaffLayout />
              </Suspense>
            </RequireStaff>
          }
        >
          <Route index element={<Navigate to="audit" replace />} />
          <Route path="audit" element={<StaffAuditPage />} />
          <Route path="fleet" element={<StaffFleetPage />} />
          <Route path="workspaces" element={<StaffWorkspacePage />} />
          <Route path="workspaces/:id" element={<StaffWorkspacePage />} />
          <Route path="queues" element={<StaffQueuesPage />} />
        </Route>
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
