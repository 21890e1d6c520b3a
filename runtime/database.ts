import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.ts';

export type Database = PrismaClient;
export { Prisma } from '../generated/prisma/client.ts';

/** The pg pool behind each client: hot paths (event ingestion) run plain SQL on it, skipping the ORM. */
const pools = new WeakMap<Database, pg.Pool>();

export function createDatabase(connectionString: string, poolSize = 10): Database {
  const pool = new pg.Pool({ connectionString, max: poolSize });
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
