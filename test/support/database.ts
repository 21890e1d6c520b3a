import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDatabase, type Database } from '../../runtime/database.ts';
import { adminDatabaseUrl, databaseUrlFor } from './database-urls.ts';

export type TestDatabase = { name: string; url: string; db: Database; drop(): Promise<void> };

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database for one test file (a copy of the run's template). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const templateDatabase = inject('templateDatabase');
  const ppid = templateDatabase.replace('aftercare_tpl_', '');
  const name = `aftercare_t_${ppid}_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${templateDatabase}`));
  const url = databaseUrlFor(name);
  const db = createDatabase(url, 5);
  return {
    name,
    url,
    db,
    async drop() {
      await db.$disconnect();
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** An empty database with nothing in it, for migration tests. */
export async function createEmptyDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const templateDatabase = inject('templateDatabase');
  const ppid = templateDatabase.replace('aftercare_tpl_', '');
  const name = `aftercare_t_${ppid}_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: databaseUrlFor(name),
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
