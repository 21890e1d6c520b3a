import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.ts';

export type Database = PrismaClient;
export { Prisma } from '../generated/prisma/client.ts';

/** The pg pool behind each client: hot paths (event ingestion) run plain SQL on it, skipping the ORM. */
const pools = new WeakMap<Database, pg.Pool>();

/** Where a lost idle connection is reported; a pino logger fits. */
export type PoolErrorLogger = { warn(details: object, message: string): void };

export function createDatabase(connectionString: string, poolSize = 10, options: { logger?: PoolErrorLogger } = {}): Database {
  // Prisma's adapter writes dates without an offset and reads timestamptz as if it were UTC, so every
  // session runs in UTC whatever the server's own TimeZone is.
  const pool = new pg.Pool({ connectionString, max: poolSize, options: '-c TimeZone=UTC' });
  // An idle client whose connection dies (the server restarted, an admin or `DROP DATABASE ... WITH
  // (FORCE)` ended its backend: 57P01) makes the pool emit 'error'; without a listener that is an
  // uncaught exception that kills the process. pg has already discarded that client and opens a new
  // one on the next query, so there is nothing to do but say so. (The Prisma adapter listens too, but
  // only until $disconnect, and the pool's clients are still closing after that.)
  pool.on('error', (error: Error & { code?: string }) => {
    options.logger?.warn({ err: error, code: error.code }, 'An idle database connection was closed; the pool replaces it');
  });
  const db = new PrismaClient({ adapter: new PrismaPg(pool) });
  pools.set(db, pool);
  const disconnect = db.$disconnect.bind(db);
  // The adapter does not own a pool it was given: end it with the client.
  Object.assign(db, {
    $disconnect: async () => {
      await disconnect();
      await pool.end().catch(() => undefined);
    },
  });
  return db;
}

export function poolOf(db: Database): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('This database client was not made by createDatabase.');
  return pool;
}

/** A parameterised statement built from a template: values become $1, $2...; `raw()` parts are spliced in. */
export type Statement = { text: string; values: unknown[] };
const RAW = Symbol('raw');
type Raw = { [RAW]: string };
export const raw = (text: string): Raw => ({ [RAW]: text });

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Statement {
  let text = strings[0] ?? '';
  const params: unknown[] = [];
  values.forEach((value, index) => {
    if (value && typeof value === 'object' && RAW in value) text += (value as Raw)[RAW];
    else {
      params.push(value);
      text += `$${params.length}`;
    }
    text += strings[index + 1] ?? '';
  });
  return { text, values: params };
}
