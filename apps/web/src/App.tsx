import { Navigate, Route, Routes, useLocation } from 'react-router';
import { useMe } from './api/queries';
import { ErrorState, Loading } from './components/States';
import { Shell } from './components/Shell';
import { SignInPage } from './pages/SignInPage';
import { StaffAuditPage } from './pages/staff/StaffAuditPage';
import { StaffLayout } from './pages/staff/StaffLayout';
import { StaffQueuesPage } from './pages/staff/StaffQueuesPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { WorkspaceAuditPage } from './pages/workspace/WorkspaceAuditPage';
import { BillingPage } from './pages/workspace/BillingPage';
import { MembersPage } from './pages/workspace/MembersPage';
import { OverviewPage } from './pages/workspace/OverviewPage';
import { SettingsPage } from './pages/workspace/SettingsPage';
import { WorkspaceLayout } from './pages/workspace/WorkspaceLayout';
import { WorkspacesPage } from './pages/WorkspacesPage';

function RequireSignIn({ children }: { children: React.ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Loading />;
  if (me.isError) return <ErrorState error={me.error} onRetry={() => void me.refetch()} />;
  if (!me.data) return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return <>{children}</>;
}

function RequireStaff({ children }: { children: React.ReactNode }) {
  const me = useMe();
  if (!me.data?.isStaff) return <ErrorState title="Staff only" error={new Error('This console is for Enclave staff.')} />;
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
        <Route path="workspaces/:id" element={<WorkspaceLayout />}>
          <Route index element={<OverviewPage />} />
          <Route path="billing" element={<BillingPage />} />
          <Route path="members" element={<MembersPage />} />
          <Route path="audit" element={<WorkspaceAuditPage />} />
          <Route path="settings" element={<SettingsPage />} />
        </Route>
        <Route
          path="staff"
          element={
            <RequireStaff>
              <StaffLayout />
            </RequireStaff>
          }
        >
          <Route index element={<Navigate to="audit" replace />} />
          <Route path="audit" element={<StaffAuditPage />} />
          <Route path="queues" element={<StaffQueuesPage />} />
        </Route>
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
