// Migrations run without Prisma's native engine, record the same history as `prisma migrate
// deploy`, stay in step with schema.prisma, and are idempotent.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
