// GET /v1/staff: whom a success manager can assign an account or an alert to, as the account page's
// "assign to" list reads it: the active staff by name with their role, disabled users left out, and no
// emails. Every role may read it; a key needs the read scope.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { createApiKey } from '../../workspace/staff.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

describe('GET /v1/staff', () => {
  let database: TestDatabase;
  let app: ApiServer;
  const keys: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = database.db;
    for (const [name, role, disabled] of [
      ['Zed Admin', 'admin', false],
      ['Ana Success', 'success_manager', false],
      ['Mia Marketer', 'marketer', false],
      ['Old Success', 'success_manager', true],
    ] as const) {
      const email = `${name.split(' ')[0]?.toLowerCase()}@shop.test`;
      const user = await db.staffUser.create({ data: { email, name, role, ...(disabled ? { disabledAt: new Date() } : {}) } });
      ids[name] = user.id;
      if (!disabled) keys[role] = (await createApiKey(db, null, { scopes: ['read'], userEmail: email })).key;
    }
    keys.ingest = (await createApiKey(db, null, { scopes: ['ingest'] })).key;
    keys.machine = (await createApiKey(db, null, { scopes: ['read'] })).key;
    app = await buildApiServer({
      db,
      temporal: null,
      route: null,
      logger: pino({ level: 'silent' }),
      publicUrl: 'http://localhost',
      rateLimits: false,
    });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const get = (key?: string) => app.inject({ method: 'GET', url: '/v1/staff', headers: key ? { authorization: `Bearer ${key}` } : {} });

  it('lists the active staff by name with their role, saying who may own accounts and alerts, without emails', async () => {
    const response = await get(keys.success_manager);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      staff: [
        { id: ids['Ana Success'], name: 'Ana Success', role: 'success_manager', assignable: true },
        { id: ids['Mia Marketer'], name: 'Mia Marketer', role: 'marketer', assignable: false },
        { id: ids['Zed Admin'], name: 'Zed Admin', role: 'admin', assignable: true },
      ],
    });
  });

  it('answers every role and any key with the read scope; refuses no key (401) and an ingest-only key (403)', async () => {
    for (const who of ['admin', 'marketer', 'success_manager', 'machine']) expect((await get(keys[who])).statusCode, who).toBe(200);
    expect((await get()).statusCode).toBe(401);
    const refused = await get(keys.ingest);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toContain('staff.read');
  });

  it('is documented in /openapi.json', async () => {
    const paths = Object.keys((await app.inject({ method: 'GET', url: '/openapi.json' })).json().paths);
    expect(paths).toContain('/v1/staff');
  });
});
