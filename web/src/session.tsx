// Who is signed in, for every page: the staff user, their role, and what that role may do (the same
// table the server applies, from core/access). Pages hide what the role may not do; the server refuses anyway.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { Navigate, useLocation } from 'react-router';
import { type Action, actions, type StaffRole } from '../../core/access/permissions.ts';
import { ApiError, api, setCsrfToken, whenSignedOut } from './api.ts';

export type StaffUser = { id: string; email: string; name: string; role: StaffRole };
type WhoAmI = { kind: 'user' | 'key'; user: StaffUser | null; csrfToken: string | null };
type SignedIn = { user: StaffUser; csrfToken: string };

type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; reason: string | null }
  | { status: 'signing-out' }
  | { status: 'signed-in'; user: StaffUser };

type SessionApi = {
  state: SessionState;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  can(action: Action): boolean;
};

const SessionContext = createContext<SessionApi | null>(null);

export function roleMay(role: StaffRole, action: Action): boolean {
  return (actions[action].roles as readonly StaffRole[]).includes(role);
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  useEffect(() => {
    // A request still in flight when the user signs out also answers 401: only a session that was
    // signed in here ends "elsewhere".
    whenSignedOut(() => {
      setCsrfToken(null);
      setState((current) =>
        current.status === 'signed-in' ? { status: 'signed-out', reason: 'Your session ended. Sign in again to go on.' } : current,
      );
    });
    api
      .get<WhoAmI>('/session')
      .then((who) => {
        if (who.kind === 'user' && who.user && who.csrfToken) {
          setCsrfToken(who.csrfToken);
          setState({ status: 'signed-in', user: who.user });
        } else setState({ status: 'signed-out', reason: null });
      })
      .catch(() => setState({ status: 'signed-out', reason: null }));
    return () => whenSignedOut(null);
  }, []);

  const signIn = useCallback(async (email: string, password: string) => {
    const session = await api.post<SignedIn>('/session', { email, password });
    setCsrfToken(session.csrfToken);
    setState({ status: 'signed-in', user: session.user });
  }, []);

  const signOut = useCallback(async () => {
    // "Signing out" first, so that the answers of requests still in flight (401 once the server has
    // ended the session) do not say it ended elsewhere; "signed out" is said only once it is true.
    const wasSignedIn = state;
    setState({ status: 'signing-out' });
    try {
      await api.delete('/session');
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) {
        setState(wasSignedIn);
        throw error;
      }
    }
    setCsrfToken(null);
    setState({ status: 'signed-out', reason: 'You are signed out.' });
  }, [state]);

  const value = useMemo<SessionApi>(
    () => ({
      state,
      signIn,
      signOut,
      can: (action) => state.status === 'signed-in' && roleMay(state.user.role, action),
    }),
    [state, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The signed-in user; only inside RequireSignIn. */
export function useUser(): StaffUser {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useUser outside a signed-in page');
  return state.user;
}

/** Every page but sign-in: an anonymous visitor is sent to sign in, and back here afterwards. */
export function RequireSignIn({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === 'loading') return <p className="loading">Loading…</p>;
  if (state.status === 'signing-out') return <p className="loading">Signing out…</p>;
  if (state.status === 'signed-out') {
    const back = `${location.pathname}${location.search}`;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(back)}`} replace state={{ reason: state.reason }} />;
  }
  return <>{children}</>;
}
