// Routes of the web app, under /app. Every page but sign-in needs a staff session.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import { AccountPage } from './pages/account.tsx';
import { JourneyPage } from './pages/journey.tsx';
import { JourneyEditorPage } from './pages/journey-editor.tsx';
import { JourneysPage } from './pages/journeys.tsx';
import { NotFoundPage } from './pages/not-found.tsx';
import { OutboxPage } from './pages/outbox.tsx';
import { PoliciesPage } from './pages/policies.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { SurveysPage } from './pages/surveys.tsx';
import { TemplatePage } from './pages/template.tsx';
import { TemplatesPage } from './pages/templates.tsx';
import { TodayPage } from './pages/today.tsx';
import { RequireSignIn, SessionProvider, useUser } from './session.tsx';
import { Shell } from './shell.tsx';
import './styles.css';

function Home() {
  const user = useUser();
  return <Navigate to={user.role === 'marketer' ? '/journeys' : '/today'} replace />;
}

const router = createBrowserRouter(
  [
    { path: '/sign-in', element: <SignInPage /> },
    {
      element: (
        <RequireSignIn>
          <Shell />
        </RequireSignIn>
      ),
      children: [
        { index: true, element: <Home /> },
        { path: 'today', element: <TodayPage /> },
        { path: 'customers/:id', element: <AccountPage /> },
        { path: 'journeys', element: <JourneysPage /> },
        { path: 'journeys/:key', element: <JourneyPage /> },
        { path: 'journeys/:key/edit', element: <JourneyEditorPage /> },
        { path: 'templates', element: <TemplatesPage /> },
        { path: 'templates/:name', element: <TemplatePage /> },
        { path: 'surveys', element: <SurveysPage /> },
        { path: 'outbox', element: <OutboxPage /> },
        { path: 'policies', element: <PoliciesPage /> },
        { path: '*', element: <NotFoundPage /> },
      ],
    },
  ],
  { basename: '/app' },
);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <SessionProvider>
        <RouterProvider router={router} />
      </SessionProvider>
    </StrictMode>,
  );
}
