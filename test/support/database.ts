// Each test file gets its own database, copied from the run's migrated template, and drops it when it
// is done. Dropping is `WITH (FORCE)`, which ends every session still on the database: a pooled client
// ended that way reports 57P01 ("terminating connection due to administrator command"), and an
// unhandled one turns a green run red. So a database is dropped only after everything that uses it
// has been closed and its connections are really gone:
//   1. CLI processes still running on it (test/support/cli.ts), then whatever the test registered
//      with `closeBeforeDrop` (workers, servers, clients), last first;
//   2. the Prisma client and its pg pool (`db`), and every pg client handed out by `connect()`;
//   3. then it waits until the server shows no session on the database (a pool's `end()` resolves
//      before its sockets have said goodbye), and only then drops it; FORCE is the last resort.
// Every database made here is remembered until it is dropped; the integration setup file
// (test/support/integration-setup.ts) drops whatever a test file left open, after its own hooks.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDatabase, type Database } from '../../runtime/database.ts';
import { stopRunningChildren } from './cli.ts';
import { adminDatabaseUrl, databaseUrlFor } from './database-urls.ts';

/** Closes something a test opened on a database (an API server, a worker, a client). */
export type Closer = () => unknown;

export type EmptyDatabase = {
  name: string;
  url: string;
  /** A connected pg client on the database, closed (if the test has not) before the database is dropped. */
  connect(): Promise<pg.Client>;
  /** Runs `close` before the database is dropped; the last registered is closed first. */
  closeBeforeDrop(close: Closer): void;
  /** Closes everything above, waits for the connections to end, drops the database. Safe to call twice. */
  drop(): Promise<void>;
};

export type TestDatabase = EmptyDatabase & { db: Database };

/** How long a drop waits for the database's sessions to end before it forces them. */
const SESSIONS_GONE_WITHIN_MS = 5_000;

/** Every database this test file made and has not dropped yet. */
const open = new Set<EmptyDatabase>();

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl() });
  client.on('error', () => {}); // a lost connection fails the query in flight, which is what reports it
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function newDatabaseName(): string {
  const ppid = inject('templateDatabase').replace('aftercare_tpl_', '');
  return `aftercare_t_${ppid}_${randomBytes(4).toString('hex')}`;
}

/** Waits until no session is connected to `name` (or the time is up). */
async function sessionsGone(client: pg.Client, name: string): Promise<void> {
  const deadline = Date.now() + SESSIONS_GONE_WITHIN_MS;
  for (;;) {
    const { rows } = await client.query<{ sessions: number }>(
      'SELECT count(*)::int AS sessions FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    if (rows[0]?.sessions === 0 || Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function track(name: string, db: Database | null): EmptyDatabase {
  const url = databaseUrlFor(name);
  const closers: Closer[] = [];
  const clients = new Set<pg.Client>();
  let dropping: Promise<void> | undefined;

  const close = async (): Promise<unknown[]> => {
    const errors: unknown[] = [];
    const attempt = async (work: () => unknown) => {
      try {
        await work();
      } catch (error) {
        errors.push(error);
      }
    };
    await attempt(() => stopRunningChildren({ databaseUrl: url }));
    for (const closer of closers.splice(0).reverse()) await attempt(closer);
    await Promise.all([...clients].map((client) => attempt(() => client.end())));
    clients.clear();
    if (db) await attempt(() => db.$disconnect());
    return errors;
  };

  const database: EmptyDatabase = {
    name,
    url,
    async connect() {
      if (dropping) throw new Error(`Database ${name} is being dropped.`);
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => {}); // see runtime/database.ts: a dead connection is reported by the query that uses it
      clients.add(client);
      client.once('end', () => clients.delete(client));
      await client.connect();
      return client;
    },
    closeBeforeDrop(closer) {
      if (dropping) throw new Error(`Database ${name} is being dropped.`);
      closers.push(closer);
    },
    drop() {
      dropping ??= (async () => {
        const errors = await close();
        try {
          await admin(async (client) => {
            await sessionsGone(client, name);
            await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          });
        } finally {
          open.delete(database); // a failed drop is reported once; the global teardown drops leftovers
        }
        if (errors.length === 1) throw errors[0];
        if (errors.length > 1) throw new AggregateError(errors, `Closing what used database ${name} failed`);
      })();
      return dropping;
    },
  };
  open.add(database);
  return database;
}

/** A fresh, migrated database for one test file (a copy of the run's template). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = newDatabaseName();
  await admin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDatabase')}`));
  const db = createDatabase(databaseUrlFor(name), 5);
  return Object.assign(track(name, db), { db });
}

/** An empty database with nothing in it, for migration tests. */
export async function createEmptyDatabase(): Promise<EmptyDatabase> {
  const name = newDatabaseName();
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  return track(name, null);
}

/**
 * Drops every database of this test file that is still open (with what it registered to close first).
 * Returns their names, so that the caller can say a file forgot one.
 */
export async function dropOpenDatabases(): Promise<string[]> {
  const left = [...open];
  const results = await Promise.allSettled(left.map((database) => database.drop()));
  const failed = results.filter((result) => result.status === 'rejected').map((result) => result.reason);
  if (failed.length) throw new AggregateError(failed, 'Dropping the databases a test file left open failed');
  return left.map((database) => database.name);
}
