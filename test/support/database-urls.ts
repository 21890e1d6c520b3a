// Tests run against a real PostgreSQL server: TEST_DATABASE_URL, else DATABASE_URL, else the local
// server on 127.0.0.1:5432. Each test file gets its own database, copied from a migrated template.
export function adminDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

export function databaseUrlFor(database: string): string {
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${database}`;
  return url.toString();
}
