// Who may act on accounts and alerts: each role (a key acting for its user), machine keys by scope, and
// anonymous, against every account-action and alert route. Allowed is anything but 401 and 403 (Temporal
// is not connected here, so an allowed pause answers 503).
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { createApiKey } from '../../workspace/staff.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let database: TestDatabase;
let app: ApiServer;
const keys: Record<string, string> = {};
let alertId = '';
let managerId = '';

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database;
  for (const role of ['admin', 'marketer', 'success_manager'] as const) {
    const user = await db.staffUser.create({ data: { email: `${role}@northwind.example`, name: role, role } });
    if (role === 'success_manager') managerId = user.id;
    keys[role] = (await createApiKey(db, null, { scopes: ['read', 'write'], userEmail: user.email })).key;
  }
  keys.ingest = (await createApiKey(db, null, { scopes: ['ingest'] })).key;
  keys.read = (await createApiKey(db, null, { scopes: ['read'] })).key;
  keys.write = (await createApiKey(db, null, { scopes: ['write'] })).key;
  const customer = await db.customer.create({ data: { externalId: 'c-1', email: 'c1@example.com' } });
  alertId = (await db.alert.create({ data: { dedupeKey: 'roles', kind: 'at_risk', customerId: customer.id, title: 'At risk' } })).id;
  app = await buildApiServer({
    db,
    temporal: null,
    route: null,
    logger: pino({ level: 'silent' }),
    publicUrl: 'http://localhost',
    rateLimits: false,
  });
  database.closeBeforeDrop(() => app.close());
});
afterAll(async () => {
  await database?.drop();
});

const future = () => new Date(Date.now() + 86_400_000).toISOString();
const routes: { name: string; method: 'GET' | 'POST' | 'PUT'; url: () => string; body?: () => unknown; act: 'read' | 'act' }[] = [
  { name: 'notes', method: 'POST', url: () => '/v1/customers/c-1/notes', body: () => ({ body: 'A note' }), act: 'act' },
  { name: 'owner', method: 'PUT', url: () => '/v1/customers/c-1/owner', body: () => ({ ownerId: managerId }), act: 'act' },
  { name: 'contacted', method: 'POST', url: () => '/v1/customers/c-1/contacted', body: () => ({ channel: 'call' }), act: 'act' },
  { name: 'pause', method: 'POST', url: () => '/v1/customers/c-1/journeys/pause', act: 'act' },
  { name: 'resume', method: 'POST', url: () => '/v1/customers/c-1/journeys/resume', act: 'act' },
  { name: 'alerts', method: 'GET', url: () => '/v1/alerts', act: 'read' },
  { name: 'ack', method: 'POST', url: () => `/v1/alerts/${alertId}/ack`, act: 'act' },
  { name: 'snooze', method: 'POST', url: () => `/v1/alerts/${alertId}/snooze`, body: () => ({ until: future() }), act: 'act' },
  { name: 'assign', method: 'POST', url: () => `/v1/alerts/${alertId}/assign`, body: () => ({ userId: managerId }), act: 'act' },
];
// Who is allowed to read, and to act.
const allowed: Record<string, { read: boolean; act: boolean }> = {
  admin: { read: true, act: true },
  success_manager: { read: true, act: true },
  marketer: { read: true, act: false },
  ingest: { read: false, act: false },
  read: { read: true, act: false },
  write: { read: true, act: true },
};

describe('the role rules of account actions and alerts', () => {
  it.each(routes.map((route) => [route.name, route] as const))('%s: each role and scope, and anonymous', async (_name, route) => {
    for (const [who, may] of Object.entries(allowed)) {
      const body = route.body?.();
      const response = await app.inject({
        method: route.method,
        url: route.url(),
        headers: { authorization: `Bearer ${keys[who]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      const expected = may[route.act];
      expect([who, response.statusCode === 403], response.body).toEqual([who, !expected]);
      expect(response.statusCode, `${who}: ${response.body}`).not.toBe(401);
      if (expected)
        expect(response.statusCode, `${who}: ${response.body}`).toBeLessThan(route.name === 'pause' || route.name === 'resume' ? 504 : 300);
    }
    const anonymous = await app.inject({ method: route.method, url: route.url() });
    expect(anonymous.statusCode).toBe(401);
  });
});
