// Prisma's schema engine compiled to WebAssembly: migrations without the native binary, which
// cannot be downloaded on air-gapped machines. The result is the same `_prisma_migrations` state
// that `prisma migrate deploy` produces, so the two are interchangeable.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationDirectory, SchemaEngine } from '@prisma/schema-engine-wasm';
import pg from 'pg';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const schemaPath = join(projectRoot, 'prisma', 'schema.prisma');
export const migrationsDir = join(projectRoot, 'prisma', 'migrations');
const noFilters = { externalTables: [], externalEnums: [] };

type WasmApi = {
  instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ instance: { exports: Record<string, unknown> } }>;
};
type EngineModule = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');
let engineModule: Promise<EngineModule> | undefined;

/** Instantiates the wasm by hand, so Node needs no `--experimental-wasm-modules` flag. */
function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    const bg = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as EngineModule & {
      __wbg_set_wasm(exports: unknown): void;
    };
    // Node has WebAssembly; the TypeScript lib for it ships with the DOM typings we do not load.
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const require = createRequire(import.meta.url);
    const wasmPath = join(dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')), 'schema_engine_bg.wasm');
    const { instance } = await wasm.instantiate(await readFile(wasmPath), { './schema_engine_bg.js': bg as never });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bg;
  })();
  return engineModule;
}

/** Runs `work` with an engine on the database, and closes every connection it opened afterwards. */
async function withEngine<T>(connectionString: string, schemaText: string, work: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const { SchemaEngine } = await loadEngineModule();
  // Our own pool, so that no connection outlives the call (a lingering one blocks CREATE DATABASE ... TEMPLATE).
  const pool = new pg.Pool({ connectionString, max: 2 });
  try {
    const adapterFactory = bindMigrationAwareSqlAdapterFactory(new PrismaPg(pool));
    const engine = await SchemaEngine.new({ datamodels: [['schema.prisma', schemaText]] }, () => {}, adapterFactory);
    try {
      return await work(engine);
    } finally {
      engine.free();
    }
  } finally {
    await pool.end();
  }
}

async function readMigrationDirectories(): Promise<MigrationDirectory[]> {
  const names = (await readdir(migrationsDir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok' as const, value: await readFile(join(migrationsDir, name, 'migration.sql'), 'utf8') },
      },
    })),
  );
}

/** Applies every migration not yet recorded in `_prisma_migrations`; returns the names applied. */
export async function applyMigrations(connectionString: string): Promise<string[]> {
  const schemaText = await readFile(schemaPath, 'utf8');
  return withEngine(connectionString, schemaText, async (engine) => {
    const lockfilePath = join(migrationsDir, 'migration_lock.toml');
    const result = await engine.applyMigrations({
      migrationsList: {
        baseDir: migrationsDir,
        lockfile: { path: 'migration_lock.toml', content: await readFile(lockfilePath, 'utf8').catch(() => null) },
        migrationDirectories: await readMigrationDirectories(),
        shadowDbInitScript: '',
      },
      filters: noFilters,
    });
    return result.appliedMigrationNames;
  });
}

/** The SQL that takes a database from the schema `fromSchema` (or nothing) to `toSchema`. */
export async function diffSchemas(connectionString: string, fromSchema: string | null, toSchema: string): Promise<string> {
  return withEngine(connectionString, toSchema, async (engine) => {
    const result = await engine.diff({
      from: fromSchema === null ? { tag: 'empty' } : { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: fromSchema }] },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: toSchema }] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    return result.stdout ?? '';
  });
}
