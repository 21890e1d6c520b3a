// /v1/session: staff sign-in for the web app. POST signs in (email and password) and sets the session
// cookie; GET says who is signed in and gives the CSRF token; DELETE signs out. Sign-in attempts are
// limited per client address and per email; an unknown email, a wrong password and a disabled user get
// the same 401.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopesOfRole, staffRoles } from '../core/access/permissions.ts';
import { errorResponseSchema } from '../core/events/event-documentation.ts';
import type { Database } from '../runtime/database.ts';
import { checkCredentials, endSession, MAX_PASSWORD_LENGTH, type StaffUserView, startSession } from '../workspace/staff.ts';
import { actorOf } from './actor.ts';
import { csrfTokenFor, SESSION_COOKIE } from './auth.ts';
import { HttpError } from './errors.ts';

export type SessionRoutesDeps = {
  db: Database;
  csrfSecret: string;
  /** Secure cookies: PUBLIC_URL is https. */
  secureCookies: boolean;
  /** Sign-in attempts per minute per client address and per email; null: unlimited (tests that flood). */
  signInsPerMinute: number | null;
};

export const DEFAULT_SIGN_INS_PER_MINUTE = 10;

const userSchema = z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.enum(staffRoles) });
const sessionSchema = z.object({
  user: userSchema,
  /** Send it as `x-csrf-token` with every POST, PUT, PATCH and DELETE made with the cookie. */
  csrfToken: z.string(),
  expiresAt: z.string(),
});
const whoAmISchema = z.object({
  kind: z.enum(['user', 'key']),
  user: userSchema.nullable(),
  role: z.enum(staffRoles).nullable(),
  scopes: z.array(z.string()),
  csrfToken: z.string().nullable(),
  expiresAt: z.string().nullable(),
});

const present = (user: StaffUserView) => ({ id: user.id, email: user.email, name: user.name, role: user.role });

/** A fixed window per key, bounded: expired windows go first, then the oldest. One per API process. */
function attemptCounter(max: number, windowMs = 60_000, size = 10_000) {
  const windows = new Map<string, { count: number; resetAt: number }>();
  return (key: string, now = Date.now()): number | null => {
    let entry = windows.get(key);
    if (!entry || entry.resetAt <= now) {
      if (entry) windows.delete(key);
      entry = { count: 0, resetAt: now + windowMs };
      windows.set(key, entry);
      if (windows.size > size) {
        for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
        while (windows.size > size) windows.delete(windows.keys().next().value as string);
      }
    }
    entry.count += 1;
    return entry.count > max ? Math.ceil((entry.resetAt - now) / 1000) : null;
  };
}

export const sessionRoutes = (deps: SessionRoutesDeps): FastifyPluginAsyncZod =>
  async function routes(app) {
    const { db } = deps;
    const limit = deps.signInsPerMinute === null ? null : attemptCounter(deps.signInsPerMinute);
    const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: deps.secureCookies };

    app.post(
      '/session',
      {
        config: { anonymous: true },
        schema: {
          summary: 'Sign in (staff): sets the session cookie and answers the CSRF token',
          tags: ['session'],
          security: [],
          body: z.object({ email: z.string().min(1).max(254), password: z.string().min(1).max(MAX_PASSWORD_LENGTH) }),
          response: { 200: sessionSchema, 401: errorResponseSchema, 422: errorResponseSchema, 429: errorResponseSchema },
        },
      },
      async (request, reply) => {
        const { email, password } = request.body;
        if (limit) {
          const wait = limit(`address:${request.ip}`) ?? limit(`email:${email.trim().toLowerCase()}`);
          if (wait !== null) {
            reply.header('retry-after', String(wait));
            throw new HttpError(429, 'rate_limited', `Too many sign-in attempts; try again in ${wait} seconds.`);
          }
        }
        const user = await checkCredentials(db, email, password);
        if (!user) throw new HttpError(401, 'invalid_credentials', 'The email or the password is not right.', 'password');
        const session = await startSession(db, user);
        reply.setCookie(SESSION_COOKIE, session.token, { ...cookieOptions, signed: true, expires: session.expiresAt });
        return {
          user: present(user),
          csrfToken: csrfTokenFor(deps.csrfSecret, session.sessionId),
          expiresAt: session.expiresAt.toISOString(),
        };
      },
    );

    app.get(
      '/session',
      {
        schema: {
          summary: 'Who is signed in (or whose API key this is), with the CSRF token of a session',
          tags: ['session'],
          response: { 200: whoAmISchema, 401: errorResponseSchema },
        },
      },
      async (request) => {
        const actor = actorOf(request);
        const session = request.staffSession;
        if (session) {
          return {
            kind: 'user' as const,
            user: present(session.user),
            role: session.user.role,
            scopes: scopesOfRole(session.user.role),
            csrfToken: csrfTokenFor(deps.csrfSecret, session.sessionId),
            expiresAt: session.expiresAt.toISOString(),
          };
        }
        const user = actor.userId ? await db.staffUser.findUnique({ where: { id: actor.userId } }) : null;
        return {
          kind: actor.kind,
          user: user ? present(user) : null,
          role: actor.role,
          scopes: [...actor.scopes],
          csrfToken: null,
          expiresAt: null,
        };
      },
    );

    app.delete(
      '/session',
      {
        schema: {
          summary: 'Sign out: the session ends now and its cookie is cleared',
          tags: ['session'],
          response: { 204: z.null(), 401: errorResponseSchema, 403: errorResponseSchema, 409: errorResponseSchema },
        },
      },
      async (request, reply) => {
        actorOf(request);
        const session = request.staffSession;
        if (!session) throw new HttpError(409, 'no_session', 'An API key has no session to end; a key is revoked instead.');
        await endSession(db, session.sessionId);
        reply.clearCookie(SESSION_COOKIE, cookieOptions);
        return reply.status(204).send(null);
      },
    );
  };
