// A PostgreSQL server whose own TimeZone is not UTC (a laptop's, a managed server's) stores and
// returns every instant exactly: the engine's sessions run in UTC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../runtime/database.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

describe('a server in another time zone', () => {
  let database: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
    const admin = await database.connect();
    await admin.query(`ALTER DATABASE ${database.name} SET timezone TO 'America/New_York'`);
    db = createDatabase(database.url, 2);
    database.closeBeforeDrop(() => db.$disconnect());
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('keeps the instant a customer was created at, written and read through the engine', async () => {
    const at = new Date('2026-11-30T12:00:00.000Z');
    await db.customer.create({ data: { externalId: 'zone-check', createdAt: at, lastOrderAt: at } });
    const row = await db.customer.findUniqueOrThrow({ where: { externalId: 'zone-check' } });
    expect(row.lastOrderAt?.toISOString()).toBe(at.toISOString());
    const client = await database.connect();
    const epoch = await client.query<{ epoch: string }>(
      `SELECT extract(epoch FROM "lastOrderAt")::text AS epoch FROM "Customer" WHERE "externalId" = 'zone-check'`,
    );
    expect(Number(epoch.rows[0]?.epoch) * 1000).toBe(at.getTime());
  });
});
