// The frame of every signed-in page: a skip link, the navigation (what the role works with first), who
// is signed in, and signing out.
import { Link, NavLink, Outlet, useNavigate } from 'react-router';
import { useSession, useUser } from './session.tsx';

const roleNames = { admin: 'Admin', marketer: 'Marketer', success_manager: 'Success manager' } as const;

export function Shell() {
  const user = useUser();
  const { signOut } = useSession();
  const navigate = useNavigate();
  const links =
    user.role === 'marketer'
      ? [
          ['/journeys', 'Journeys'],
          ['/templates', 'Templates'],
          ['/surveys', 'Surveys'],
          ['/today', 'Today'],
          ['/policies', 'Policies'],
          ['/outbox', 'Outbox'],
        ]
      : [
          ['/today', 'Today'],
          ['/journeys', 'Journeys'],
          ['/templates', 'Templates'],
          ['/surveys', 'Surveys'],
          ['/policies', 'Policies'],
          ['/outbox', 'Outbox'],
        ];
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <Link to="/" className="brand">
          Aftercare
        </Link>
        <nav aria-label="Main">
          <ul>
            {links.map(([to, label]) => (
              <li key={to}>
                <NavLink to={to as string}>{label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            {user.name} <span className="muted">· {roleNames[user.role]}</span>
          </span>
          <button
            type="button"
            className="button secondary small"
            onClick={async () => {
              await signOut();
              navigate('/sign-in', { replace: true, state: { reason: 'You are signed out.' } });
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
