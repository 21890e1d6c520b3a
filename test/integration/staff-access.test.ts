// Staff and access through the HTTP API: signing in and out with a session cookie (its flags, its
// CSRF token), sign-in limits, disabled users, and who may call which /v1 route: every role signed in,
// every key scope, keys acting for a user, and nobody at all. Publishing and controlling journeys is
// recorded in the audit trail with its author.
import type { Client } from '@temporalio/client';
import type { LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiKey } from '../../api/api-keys.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import type { Scope, StaffRole } from '../../core/access/permissions.ts';
import { addStaffUser, disableStaffUser } from '../../workspace/staff.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { orderPlaced } from '../support/events.ts';
import { devServerClient, uniqueTaskQueue } from '../support/temporal.ts';

const PASSWORD = 'correct horse battery staple';
const SECRET = 'staff-access-test-secret';

/** A win-back journey that a test may publish, pause and archive. */
const winBack = (key: string) => ({
  key,
  name: 'Win-back',
  trigger: { inactivity: { noOrderFor: 'P60D' } },
  goal: { event: 'order.placed', within: 'P30D' },
  exitEvents: ['order.placed'],
  steps: [{ id: 'first', send: { template: 'winback' } }],
});

type Credentials = { headers: Record<string, string> };

describe('staff and access', () => {
  let database: TestDatabase;
  let app: ApiServer;
  let temporal: { client: Client; close(): Promise<void> };
  const users: Record<StaffRole, string> = { admin: 'ada@example.com', marketer: 'mae@example.com', success_manager: 'sam@example.com' };
  let address = 0;
  /** Each sign-in from its own client address, so that only the test of the limit meets it. */
  const nextAddress = () => `10.0.${Math.floor(++address / 250)}.${address % 250}`;

  beforeAll(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(), devServerClient()]);
    app = await buildApiServer({
      db: database.db,
      temporal: temporal.client,
      route: null,
      logger: pino({ level: 'silent' }),
      publicUrl: 'http://localhost:3000',
      secret: SECRET,
      taskQueue: uniqueTaskQueue('staff-access'),
      rateLimits: { perKeyPerMinute: 100_000, perAddressPerMinute: 100_000, signInsPerMinute: 10 },
    });
    for (const [role, email] of Object.entries(users)) {
      await addStaffUser(database.db, null, { email, name: role, role, password: PASSWORD });
    }
  });

  afterAll(async () => {
    await app?.close();
    await temporal?.close();
    await database?.drop();
  });

  const signIn = (email: string, password = PASSWORD, remoteAddress = nextAddress()) =>
    app.inject({ method: 'POST', url: '/v1/session', payload: { email, password }, remoteAddress });

  const cookieOf = (response: LightMyRequestResponse) => {
    const cookie = response.cookies.find((c) => c.name === 'aftercare_session');
    if (!cookie) throw new Error(`no session cookie: ${response.statusCode} ${response.body}`);
    return cookie;
  };

  /** Signs in and returns the headers a browser sends: the cookie and the CSRF token. */
  const session = async (email: string): Promise<Credentials> => {
    const response = await signIn(email);
    expect(response.statusCode, response.body).toBe(200);
    return { headers: { cookie: `aftercare_session=${cookieOf(response).value}`, 'x-csrf-token': response.json().csrfToken } };
  };

  const keyWith = async (scopes: Scope[], userEmail?: string): Promise<Credentials> => {
    const key = `ak_test_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
    const user = userEmail ? await database.db.staffUser.findUniqueOrThrow({ where: { email: userEmail } }) : null;
    await registerApiKey(database.db, key, `test ${scopes.join(',')}`, { scopes, userId: user?.id ?? null });
    return { headers: { authorization: `Bearer ${key}` } };
  };

  describe('signing in and out', () => {
    it('sets a signed HttpOnly SameSite=Lax cookie for 12 hours and answers the user and a CSRF token', async () => {
      const before = Date.now();
      const response = await signIn('Mae@Example.com');
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      expect(body.user).toMatchObject({ email: users.marketer, role: 'marketer', name: 'marketer' });
      expect(body.csrfToken).toMatch(/^[\w-]{40,}$/);
      const cookie = cookieOf(response);
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      expect(cookie.secure).toBeFalsy(); // PUBLIC_URL is http here
      const expires = (cookie.expires as Date).getTime();
      expect(expires - before).toBeGreaterThan(11.9 * 3600_000);
      expect(expires - before).toBeLessThanOrEqual(12 * 3600_000 + 1000);

      // The cookie is signed: the stored session id is the SHA-256 of the token, not the token.
      const token = cookie.value.slice(0, cookie.value.lastIndexOf('.'));
      const { createHash } = await import('node:crypto');
      const stored = await database.db.staffSession.findUnique({ where: { id: createHash('sha256').update(token).digest('hex') } });
      expect(stored?.revokedAt).toBeNull();
      expect((await database.db.staffSession.findUnique({ where: { id: token } })) ?? null).toBeNull();
      expect((await database.db.staffUser.findUniqueOrThrow({ where: { email: users.marketer } })).lastSignInAt).not.toBeNull();

      // Who am I, with the same CSRF token.
      const me = await app.inject({ method: 'GET', url: '/v1/session', headers: { cookie: `aftercare_session=${cookie.value}` } });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ kind: 'user', role: 'marketer', csrfToken: body.csrfToken, user: { email: users.marketer } });
      expect(me.json().scopes).toEqual(['ingest', 'read', 'write']);
    });

    it('a cookie that was tampered with or made up signs in nobody', async () => {
      const { headers } = await session(users.marketer);
      const value = headers.cookie?.split('=')[1] as string;
      const tampered = `${value.slice(0, 5)}${value[5] === 'A' ? 'B' : 'A'}${value.slice(6)}`;
      for (const cookie of [`aftercare_session=${tampered}`, 'aftercare_session=made-up', 'aftercare_session=']) {
        const response = await app.inject({ method: 'GET', url: '/v1/journeys', headers: { cookie } });
        expect(response.statusCode, cookie).toBe(401);
      }
    });

    it('is Secure when PUBLIC_URL is https', async () => {
      const secure = await buildApiServer({
        db: database.db,
        temporal: null,
        route: null,
        logger: pino({ level: 'silent' }),
        publicUrl: 'https://aftercare.example.com',
        secret: SECRET,
      });
      try {
        const response = await secure.inject({ method: 'POST', url: '/v1/session', payload: { email: users.admin, password: PASSWORD } });
        expect(response.statusCode).toBe(200);
        expect(cookieOf(response)).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax' });
      } finally {
        await secure.close();
      }
    });

    it('answers the same 401 for an unknown email and a wrong password, and sets no cookie', async () => {
      const unknown = await signIn('nobody@example.com');
      const wrong = await signIn(users.marketer, 'not the password at all');
      for (const response of [unknown, wrong]) {
        expect(response.statusCode).toBe(401);
        expect(response.cookies).toHaveLength(0);
      }
      expect(unknown.json()).toEqual(wrong.json());
      expect(unknown.json().error.code).toBe('invalid_credentials');
    });

    it('refuses a body without an email or password with the field named', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/session',
        payload: { email: users.marketer },
        remoteAddress: nextAddress(),
      });
      expect(response.statusCode).toBe(422);
      expect(response.json().error.field).toBe('body.password');
    });

    it('signing out ends the session at once and clears the cookie; it needs the CSRF token', async () => {
      const { headers } = await session(users.success_manager);
      const cookieOnly = { cookie: headers.cookie as string };
      expect((await app.inject({ method: 'DELETE', url: '/v1/session', headers: cookieOnly })).statusCode).toBe(403);
      const out = await app.inject({ method: 'DELETE', url: '/v1/session', headers });
      expect(out.statusCode).toBe(204);
      const cleared = cookieOf(out);
      expect(cleared.value).toBe('');
      expect((cleared.expires as Date).getTime()).toBeLessThan(Date.now());
      expect((await app.inject({ method: 'GET', url: '/v1/session', headers: cookieOnly })).statusCode).toBe(401);
      expect((await app.inject({ method: 'GET', url: '/v1/journeys', headers: cookieOnly })).statusCode).toBe(401);
    });

    it('GET /v1/session with a key says whose key it is; DELETE has no session to end', async () => {
      const machine = await keyWith(['read']);
      const me = await app.inject({ method: 'GET', url: '/v1/session', headers: machine.headers });
      expect(me.json()).toMatchObject({ kind: 'key', user: null, role: null, scopes: ['read'], csrfToken: null });
      const forSam = await keyWith(['read', 'write'], users.success_manager);
      const sam = await app.inject({ method: 'GET', url: '/v1/session', headers: forSam.headers });
      expect(sam.json()).toMatchObject({ kind: 'key', role: 'success_manager', user: { email: users.success_manager } });
      expect((await app.inject({ method: 'DELETE', url: '/v1/session', headers: machine.headers })).statusCode).toBe(409);
    });

    it('an expired session signs in nobody', async () => {
      const { headers } = await session(users.admin);
      const sessions = await database.db.staffSession.findMany({ orderBy: { createdAt: 'desc' }, take: 1 });
      await database.db.staffSession.update({ where: { id: sessions[0]?.id as string }, data: { expiresAt: new Date(Date.now() - 1000) } });
      expect((await app.inject({ method: 'GET', url: '/v1/session', headers })).statusCode).toBe(401);
    });
  });

  describe('CSRF', () => {
    const event = () => orderPlaced('csrf-customer', `ord-${Math.random().toString(36).slice(2)}`);

    it('a POST made with the cookie needs x-csrf-token; a GET does not', async () => {
      const { headers } = await session(users.admin);
      const cookie = headers.cookie as string;
      const without = await app.inject({ method: 'POST', url: '/v1/events', headers: { cookie }, payload: event() });
      expect(without.statusCode).toBe(403);
      expect(without.json().error).toMatchObject({ code: 'csrf_token_missing', field: 'x-csrf-token' });
      const wrong = await app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { cookie, 'x-csrf-token': 'x'.repeat(43) },
        payload: event(),
      });
      expect(wrong.statusCode).toBe(403);
      const right = await app.inject({ method: 'POST', url: '/v1/events', headers, payload: event() });
      expect(right.statusCode, right.body).toBe(202);
      expect((await app.inject({ method: 'GET', url: '/v1/journeys', headers: { cookie } })).statusCode).toBe(200);
    });

    it("one session's token does not pass for another's", async () => {
      const first = await session(users.admin);
      const second = await session(users.admin);
      const crossed = { cookie: first.headers.cookie as string, 'x-csrf-token': second.headers['x-csrf-token'] as string };
      expect((await app.inject({ method: 'POST', url: '/v1/events', headers: crossed, payload: event() })).statusCode).toBe(403);
    });

    it('a request with a Bearer key needs no token', async () => {
      const key = await keyWith(['ingest']);
      const response = await app.inject({ method: 'POST', url: '/v1/events', headers: key.headers, payload: event() });
      expect(response.statusCode).toBe(202);
    });
  });

  describe('limits and disabled users', () => {
    it('limits sign-in attempts per client address, whatever the email', async () => {
      const from = '192.0.2.7';
      const answers: number[] = [];
      for (let i = 0; i < 11; i++) answers.push((await signIn(`guess-${i}@example.com`, 'wrong password!', from)).statusCode);
      expect(answers.slice(0, 10)).toEqual(Array(10).fill(401));
      const limited = await signIn(users.marketer, PASSWORD, from);
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.cookies).toHaveLength(0);
      // Another address is not held up.
      expect((await signIn(users.marketer)).statusCode).toBe(200);
    });

    it('limits sign-in attempts per email, whatever the address', async () => {
      const email = 'target@example.com';
      await addStaffUser(database.db, null, { email, name: 'Target', role: 'marketer', password: PASSWORD });
      for (let i = 0; i < 10; i++) expect((await signIn(email, `wrong password ${i}`)).statusCode).toBe(401);
      const limited = await signIn(email.toUpperCase());
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe('rate_limited');
    });

    it('a disabled user cannot sign in, and their session and keys stop working', async () => {
      const email = 'leaver@example.com';
      await addStaffUser(database.db, null, { email, name: 'Leaver', role: 'success_manager', password: PASSWORD });
      const { headers } = await session(email);
      await keyWith(['read'], email);
      expect((await app.inject({ method: 'GET', url: '/v1/journeys', headers })).statusCode).toBe(200);

      // A key not seen yet (the key check remembers a key for 30 s).
      const unseen = await keyWith(['read'], email);
      const result = await disableStaffUser(database.db, null, email);
      expect(result).toMatchObject({ alreadyDisabled: false, sessionsEnded: 1, keys: 2 });

      const signInAgain = await signIn(email);
      expect(signInAgain.statusCode).toBe(401);
      expect(signInAgain.json()).toEqual((await signIn('nobody-at-all@example.com')).json());
      expect((await app.inject({ method: 'GET', url: '/v1/journeys', headers })).statusCode).toBe(401);
      expect((await app.inject({ method: 'GET', url: '/v1/journeys', headers: unseen.headers })).statusCode).toBe(401);
      const entry = await database.db.auditEntry.findFirst({ where: { action: 'staff.disabled' } });
      expect(entry).toMatchObject({ actorUserId: null, actorKeyId: null, subjectType: 'staff_user', detail: { source: 'cli', email } });
    });
  });

  describe('who may call which route', () => {
    type Route = { method: 'GET' | 'POST'; url: string; payload?: unknown; action: string };
    const routes: Route[] = [
      { method: 'POST', url: '/v1/events', payload: orderPlaced('matrix-customer', 'matrix-order'), action: 'events.ingest' },
      { method: 'GET', url: '/v1/journeys', action: 'journeys.read' },
      { method: 'GET', url: '/v1/journeys/schema', action: 'journeys.read' },
      { method: 'GET', url: '/v1/journeys/no-such-journey', action: 'journeys.read' },
      { method: 'GET', url: '/v1/journeys/no-such-journey/stats', action: 'journeys.read' },
      {
        method: 'POST',
        url: '/v1/journeys/no-such-journey/simulate',
        payload: { customer: { timezone: 'UTC' }, days: 3 },
        action: 'journeys.simulate',
      },
      { method: 'POST', url: '/v1/journeys', payload: { key: 'x' }, action: 'journeys.publish' },
      { method: 'POST', url: '/v1/journeys/no-such-journey/versions', payload: { key: 'x' }, action: 'journeys.publish' },
      { method: 'POST', url: '/v1/journeys/no-such-journey/pause', action: 'journeys.control' },
      { method: 'POST', url: '/v1/journeys/no-such-journey/resume', action: 'journeys.control' },
      { method: 'POST', url: '/v1/journeys/no-such-journey/archive', action: 'journeys.control' },
      { method: 'GET', url: '/v1/templates', action: 'templates.read' },
      { method: 'POST', url: '/v1/templates/checkin/preview', payload: {}, action: 'templates.read' },
      { method: 'GET', url: '/v1/churn/model', action: 'churn.read' },
      { method: 'GET', url: '/v1/session', action: 'session' },
    ];
    // Written out rather than computed from core/access, so that a change of the table shows here.
    const everything = new Set(routes.map((route) => route.action));
    const readActions = ['journeys.read', 'journeys.simulate', 'templates.read', 'churn.read', 'session'];
    const writeActions = [...readActions, 'journeys.publish', 'journeys.control'];
    const allowed: Record<string, Set<string>> = {
      'role admin': everything,
      'role marketer': everything,
      'role success_manager': new Set([...everything].filter((action) => !['journeys.publish', 'journeys.control'].includes(action))),
      'key ingest': new Set(['events.ingest', 'session']),
      'key read': new Set(readActions),
      'key write': new Set(writeActions),
      'key admin': everything,
      'key write for a success manager': new Set(readActions),
      'key ingest,read for a marketer': new Set(['events.ingest', ...readActions]),
      'key admin for an admin': everything,
    };
    const credentials: Record<string, () => Promise<Credentials>> = {
      'role admin': () => session(users.admin),
      'role marketer': () => session(users.marketer),
      'role success_manager': () => session(users.success_manager),
      'key ingest': () => keyWith(['ingest']),
      'key read': () => keyWith(['read']),
      'key write': () => keyWith(['write']),
      'key admin': () => keyWith(['admin']),
      'key write for a success manager': () => keyWith(['write'], users.success_manager),
      'key ingest,read for a marketer': () => keyWith(['ingest', 'read'], users.marketer),
      'key admin for an admin': () => keyWith(['admin'], users.admin),
    };
    const call = (route: Route, headers: Record<string, string>) =>
      app.inject({
        method: route.method,
        url: route.url,
        headers,
        ...(route.payload === undefined ? {} : { payload: route.payload as object }),
      });

    it.each(Object.keys(credentials))('%s: allowed where the table says, 403 naming the action elsewhere', async (who) => {
      const { headers } = await (credentials[who] as () => Promise<Credentials>)();
      const seen: string[] = [];
      for (const route of routes) {
        const response = await call(route, headers);
        const may = allowed[who]?.has(route.action);
        if (may) {
          if ([401, 403].includes(response.statusCode)) seen.push(`${route.method} ${route.url}: ${response.statusCode} ${response.body}`);
        } else if (response.statusCode !== 403 || !response.json().error.message.includes(route.action)) {
          seen.push(`${route.method} ${route.url}: ${response.statusCode}, expected 403`);
        }
      }
      expect(seen).toEqual([]);
    });

    it('anonymous: 401 on every /v1 route', async () => {
      for (const route of routes) {
        const response = await call(route, {});
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
        expect(response.json().error.code).toBe('unauthorized');
      }
      // A header that is not a Bearer key is no better.
      expect((await call(routes[1] as Route, { authorization: 'Basic YWRhOnB3' })).statusCode).toBe(401);
    });

    it('anonymous: the public routes and POST /v1/session answer without a key', async () => {
      for (const url of ['/healthz', '/openapi.json']) expect((await app.inject({ method: 'GET', url })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/u/not-a-token' })).statusCode).not.toBe(401);
      expect((await app.inject({ method: 'GET', url: '/s/not-a-token' })).statusCode).not.toBe(401);
      expect((await signIn(users.admin)).statusCode).toBe(200);
    });
  });

  describe('the audit trail', () => {
    it('records who published, paused, resumed and archived a journey, and who asked for a churn run', async () => {
      const marketer = await session(users.marketer);
      const marketerId = (await database.db.staffUser.findUniqueOrThrow({ where: { email: users.marketer } })).id;
      const key = `audited-${Math.random().toString(36).slice(2, 8)}`;
      const created = await app.inject({ method: 'POST', url: '/v1/journeys', headers: marketer.headers, payload: winBack(key) });
      expect(created.statusCode, created.body).toBe(201);
      const machine = await keyWith(['write']);
      for (const action of ['pause', 'resume', 'archive']) {
        const response = await app.inject({ method: 'POST', url: `/v1/journeys/${key}/${action}`, headers: machine.headers });
        expect(response.statusCode, response.body).toBe(200);
      }
      const entries = await database.db.auditEntry.findMany({ where: { subjectType: 'journey', subjectId: key }, orderBy: { at: 'asc' } });
      expect(entries.map((entry) => entry.action)).toEqual(['journey.published', 'journey.paused', 'journey.resumed', 'journey.archived']);
      expect(entries[0]).toMatchObject({ actorUserId: marketerId, actorKeyId: null, detail: { source: 'session', version: 1 } });
      const keyRow = await database.db.apiKey.findFirstOrThrow({ where: { name: 'test write' }, orderBy: { createdAt: 'desc' } });
      expect(entries[1]).toMatchObject({ actorUserId: null, actorKeyId: keyRow.id, detail: { source: 'api_key', status: 'paused' } });

      const admin = await session(users.admin);
      const run = await app.inject({ method: 'POST', url: '/v1/churn/recompute', headers: admin.headers });
      expect(run.statusCode, run.body).toBe(202);
      const { workflowId } = run.json();
      try {
        const entry = await database.db.auditEntry.findFirstOrThrow({ where: { action: 'churn.recompute_requested' } });
        expect(entry).toMatchObject({ subjectType: 'churn_run', subjectId: workflowId, detail: { source: 'session' } });
      } finally {
        await temporal.client.workflow
          .getHandle(workflowId)
          .terminate('test over')
          .catch(() => undefined);
      }
    });

    it('a refused action is not recorded', async () => {
      const sam = await session(users.success_manager);
      const before = await database.db.auditEntry.count();
      const response = await app.inject({ method: 'POST', url: '/v1/journeys', headers: sam.headers, payload: winBack('not-by-sam') });
      expect(response.statusCode).toBe(403);
      expect(response.json().error.message).toBe('This account belongs to a success manager, who may not do this (journeys.publish).');
      expect(await database.db.auditEntry.count()).toBe(before);
      expect(await database.db.journey.findUnique({ where: { key: 'not-by-sam' } })).toBeNull();
    });
  });
});
