// Who is asking, for every /v1 request: a Bearer API key, or a staff session cookie; nobody else gets
// past this (401), except the routes that say `config: { anonymous: true }` (signing in).
//
// Keys are looked up by hash; a short cache keeps the lookup off the hot path while a revoked key stops
// working within the cache's lifetime. The cache is bounded and remembers refusals too, so a stream of
// made-up keys costs neither memory nor a query per repeat (and the per-key rate limit, applied before
// this check, bounds how many new ones arrive).
//
// Sessions are read on every request (a browser's pace), so signing out or disabling a user takes
// effect at once. The cookie is signed and holds a random token whose SHA-256 is the session's id. A
// state-changing request (anything but GET, HEAD, OPTIONS) made with the cookie must carry
// `x-csrf-token`, an HMAC of the session id: a page of another site can make the browser send the
// cookie, but cannot read the token. Bearer requests need no token: no browser sends a key on its own.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Actor, type Scope, scopes } from '../core/access/permissions.ts';
import type { Database } from '../runtime/database.ts';
import { type SessionActor, sessionActor } from '../workspace/staff.ts';
import { hashApiKey } from './api-keys.ts';
import { HttpError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request was authenticated by a session cookie. */
    staffSession?: SessionActor;
  }
  interface FastifyContextConfig {
    /** The route needs no actor (POST /v1/session, signing in). */
    anonymous?: boolean;
  }
}

const CACHE_MS = 30_000;
/** Keys remembered at once; the least recently used goes first. */
export const API_KEY_CACHE_SIZE = 10_000;

export const SESSION_COOKIE = 'aftercare_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Keys for each use of AFTERCARE_SECRET, so that no value signed for one use passes for another. */
export function sessionSecrets(secret: string) {
  const derive = (use: string) => createHmac('sha256', secret).update(`aftercare:${use}`).digest('base64url');
  return { cookie: derive('session-cookie'), csrf: derive('csrf') };
}

/** The CSRF token of a session: the same for the session's life, useless for any other session. */
export const csrfTokenFor = (csrfSecret: string, sessionId: string) =>
  createHmac('sha256', csrfSecret).update(sessionId).digest('base64url');

function sameToken(expected: string, given: string | string[] | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

const anonymousRefusal = () =>
  new HttpError(401, 'unauthorized', 'Sign in, or send an API key as `Authorization: Bearer <key>`.', 'authorization');

export function createApiKeyCheck(db: Database) {
  const cache = new Map<string, { actor: Actor | null; until: number }>();
  return Object.assign(requireApiKey, { cacheSize: () => cache.size });
  async function requireApiKey(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) throw new HttpError(401, 'unauthorized', 'Send an API key as `Authorization: Bearer <key>`.', 'authorization');
    const hash = hashApiKey(match[1]);
    const now = Date.now();
    let entry = cache.get(hash);
    if (entry) cache.delete(hash); // re-inserted below: a Map iterates in insertion order, so this is an LRU
    if (!entry || entry.until < now) {
      const key = await db.apiKey.findUnique({ where: { hash }, include: { user: true } });
      const usable = key && !key.revokedAt && !key.user?.disabledAt;
      entry = {
        actor: usable
          ? {
              kind: 'key',
              keyId: key.id,
              userId: key.userId,
              role: key.user?.role ?? null,
              scopes: key.scopes.filter((scope): scope is Scope => (scopes as readonly string[]).includes(scope)),
            }
          : null,
        until: now + CACHE_MS,
      };
    }
    cache.set(hash, entry);
    if (cache.size > API_KEY_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    if (!entry.actor) throw new HttpError(401, 'unauthorized', 'The API key is not valid.', 'authorization');
    request.actor = entry.actor;
  }
}

/** The onRequest hook of /v1: sets `request.actor` from a key or a session, or refuses with 401 (or 403 without the CSRF token). */
export function createAuthentication(db: Database, options: { csrfSecret: string; secureCookies: boolean }) {
  const requireApiKey = createApiKeyCheck(db);
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.routeOptions.config?.anonymous) return;
    if (request.headers.authorization !== undefined) return requireApiKey(request);
    const cookie = request.cookies?.[SESSION_COOKIE];
    if (!cookie) throw anonymousRefusal();
    const unsigned = request.unsignCookie(cookie);
    const session = unsigned.valid && unsigned.value ? await sessionActor(db, unsigned.value) : null;
    if (!session) {
      reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: options.secureCookies });
      throw new HttpError(401, 'unauthorized', 'The session has ended: sign in again.', 'authorization');
    }
    if (
      !SAFE_METHODS.has(request.method) &&
      !sameToken(csrfTokenFor(options.csrfSecret, session.sessionId), request.headers[CSRF_HEADER])
    ) {
      throw new HttpError(
        403,
        'csrf_token_missing',
        `A request made with the session cookie must carry the ${CSRF_HEADER} header that GET /v1/session gives.`,
        CSRF_HEADER,
      );
    }
    request.actor = session.actor;
    request.staffSession = session;
  };
}
