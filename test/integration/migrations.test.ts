// Migrations run without Prisma's native engine, record the same history as `prisma migrate
// deploy`, stay in step with schema.prisma, and are idempotent.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, diffSchemas, migrationsDir, schemaPath } from '../../runtime/schema-engine.ts';
import { runCli } from '../support/cli.ts';
import { createEmptyDatabase, type EmptyDatabase } from '../support/database.ts';

/** Everything about a database's shape that a migration can change. */
async function catalog(database: EmptyDatabase) {
  const client = await database.connect();
  try {
    const query = async (sql: string) => (await client.query(sql)).rows;
    return {
      columns: await query(`
        SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, character_maximum_length, numeric_precision, numeric_scale
        FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
        ORDER BY table_name, column_name`),
      indexes: await query(`
        SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY tablename, indexname`),
      constraints: await query(`
        SELECT c.conrelid::regclass::text AS table_name, c.conname, c.contype, pg_get_constraintdef(c.oid) AS definition
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = 'public' AND c.conrelid::regclass::text <> '_prisma_migrations' ORDER BY 1, 2`),
      enums: await query(`
        SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname ORDER BY t.typname`),
    };
  } finally {
    await client.end();
  }
}

describe('migrations', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });
  const emptyDatabase = async () => {
    const database = await createEmptyDatabase();
    cleanups.push(database.drop);
    return database;
  };

  it('build the very database that schema.prisma describes (no drift)', async () => {
    const [migrated, fromSchema] = await Promise.all([emptyDatabase(), emptyDatabase()]);
    await applyMigrations(migrated.url);
    const sql = await diffSchemas(fromSchema.url, null, await readFile(schemaPath, 'utf8'));
    const client = await fromSchema.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }

    const [a, b] = await Promise.all([catalog(migrated), catalog(fromSchema)]);
    expect(a.columns.length).toBeGreaterThan(50);
    expect(a).toEqual(b);
  });

  it('keep every timestamp and band when timestamps become timestamptz and bands an enum', async () => {
    // Built up to the migration before, with rows written the old way (UTC wall-clock `timestamp(3)`,
    // bands as text), then migrated in a session whose TimeZone is not UTC: the instants must not move.
    const folders = (await readdir(migrationsDir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    const target = folders.findIndex((name) => name.endsWith('_timestamptz_and_churn_band'));
    expect(target).toBeGreaterThan(0);
    const run = async (client: pg.Client, names: string[]) => {
      for (const name of names) await client.query(await readFile(join(migrationsDir, name, 'migration.sql'), 'utf8'));
    };
    const database = await emptyDatabase();
    const client = await database.connect();
    try {
      await run(client, folders.slice(0, target));
      await client.query(`
        INSERT INTO "Customer" ("id", "externalId", "createdAt", "updatedAt", "lastOrderAt")
        VALUES ('c1', 'ext-1', '2026-03-29 00:30:00.125', '2026-10-25 01:30:00', '2026-01-31 23:59:59.999');
        INSERT INTO "Event" ("id", "type", "customerId", "occurredAt", "receivedAt")
        VALUES ('e1', 'order.placed', 'c1', '2026-03-29 01:30:00', '2026-03-29 02:00:00');
        INSERT INTO "ChurnScore" ("customerId", "score", "band", "modelScore", "modelBand", "computedAt", "expectedNextOrderAt")
        VALUES ('c1', 64.5, 'high', 41, 'medium', '2026-11-01 03:15:00', NULL);
        INSERT INTO "ChurnScoreHistory" ("id", "customerId", "score", "band", "computedAt")
        VALUES ('h1', 'c1', 12, 'low', '2026-10-01 03:15:00'), ('h2', 'c1', 64.5, 'high', '2026-11-01 03:15:00');`);
      await client.query(`SET TIME ZONE 'America/New_York'`);
      await run(client, folders.slice(target));
      const epoch = async (sql: string) =>
        Number((await client.query<{ ms: string }>(`SELECT (extract(epoch FROM (${sql})) * 1000)::bigint::text AS ms`)).rows[0]?.ms);
      const at = (iso: string) => new Date(iso).getTime();
      expect(await epoch(`SELECT "createdAt" FROM "Customer"`)).toBe(at('2026-03-29T00:30:00.125Z'));
      expect(await epoch(`SELECT "updatedAt" FROM "Customer"`)).toBe(at('2026-10-25T01:30:00Z'));
      expect(await epoch(`SELECT "lastOrderAt" FROM "Customer"`)).toBe(at('2026-01-31T23:59:59.999Z'));
      expect(await epoch(`SELECT "occurredAt" FROM "Event"`)).toBe(at('2026-03-29T01:30:00Z'));
      expect(await epoch(`SELECT "receivedAt" FROM "Event"`)).toBe(at('2026-03-29T02:00:00Z'));
      expect(await epoch(`SELECT "computedAt" FROM "ChurnScore"`)).toBe(at('2026-11-01T03:15:00Z'));
      const { rows: scores } = await client.query(
        `SELECT "band"::text AS band, "modelBand"::text AS "modelBand", "expectedNextOrderAt", pg_typeof("band")::text AS type FROM "ChurnScore"`,
      );
      expect(scores).toEqual([{ band: 'high', modelBand: 'medium', expectedNextOrderAt: null, type: '"ChurnBand"' }]);
      const { rows: history } = await client.query(`SELECT "id", "band"::text AS band FROM "ChurnScoreHistory" ORDER BY "id"`);
      expect(history).toEqual([
        { id: 'h1', band: 'low' },
        { id: 'h2', band: 'high' },
      ]);
      // Every timestamp column is timestamptz(3) now.
      const { rows: types } = await client.query(`
        SELECT DISTINCT data_type, datetime_precision FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' AND data_type LIKE 'timestamp%'`);
      expect(types).toEqual([{ data_type: 'timestamp with time zone', datetime_precision: 3 }]);
    } finally {
      await client.end();
    }
  });

  it('`aftercare migrate` applies everything once, then changes nothing', async () => {
    const database = await emptyDatabase();
    const first = await runCli(['migrate'], { DATABASE_URL: database.url });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Applied \d+ migration/);
    const before = await catalog(database);

    const second = await runCli(['migrate'], { DATABASE_URL: database.url });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('up to date');
    expect(await catalog(database)).toEqual(before);

    // The history is the one `prisma migrate deploy` writes: one finished row per folder, with the
    // SHA-256 of its migration.sql as checksum.
    const client = await database.connect();
    const { rows } = await client
      .query('SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY migration_name')
      .finally(() => client.end());
    const folders = (await readdir(migrationsDir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(rows.map((row) => row.migration_name)).toEqual(folders);
    for (const row of rows) {
      const sql = await readFile(join(migrationsDir, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
    }
  });

  it('`aftercare migrate` without a database says so in one sentence and exits non-zero', async () => {
    const result = await runCli(['migrate'], {});
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('aftercare: DATABASE_URL is not set: name the database to migrate.');
  });

  it('an invalid setting stops the CLI with a sentence naming the variable', async () => {
    const result = await runCli(['migrate'], { PORT: 'eighty', DATABASE_URL: 'mysql://nope' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/DATABASE_URL must be a URL/);
    expect(result.stderr).toMatch(/PORT/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
