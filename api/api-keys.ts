// API keys: only their SHA-256 is stored. The first start creates one and prints it; with the
// embedded database (a laptop) it is also kept in DATA_DIR so that every start can print it again.
// Scoped keys made by people (`aftercare keys create`) come from workspace/staff.ts.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Scope } from '../core/access/permissions.ts';
import type { Database } from '../runtime/database.ts';
import { generateApiKey, hashApiKey } from '../workspace/staff.ts';

export { generateApiKey, hashApiKey };

/** Registers a known key; without `scopes` it holds every scope (the bootstrap key, tests). */
export async function registerApiKey(
  db: Database,
  key: string,
  name: string,
  options: { scopes?: readonly Scope[]; userId?: string | null } = {},
): Promise<void> {
  const hash = hashApiKey(key);
  // INSERT ... ON CONFLICT DO NOTHING: API processes that start together with the same configured key
  // register it once, where an upsert's read-then-insert would race and fail one of them.
  await db.apiKey.createMany({
    data: [
      {
        hash,
        name,
        prefix: key.slice(0, 7),
        ...(options.scopes ? { scopes: [...options.scopes] } : {}),
        ...(options.userId ? { userId: options.userId } : {}),
      },
    ],
    skipDuplicates: true,
  });
}

export type BootstrapKey = { key: string | null; source: 'env' | 'generated' | 'data-dir' | 'existing' };

export async function bootstrapApiKey(
  db: Database,
  options: { configuredKey: string | undefined; dataDir: string; keepInDataDir: boolean },
): Promise<BootstrapKey> {
  if (options.configuredKey) {
    await registerApiKey(db, options.configuredKey, 'AFTERCARE_API_KEY');
    return { key: options.configuredKey, source: 'env' };
  }
  const file = join(options.dataDir, 'api-key');
  if (options.keepInDataDir) {
    const kept = await readFile(file, 'utf8').then(
      (text) => text.trim(),
      () => null,
    );
    if (kept) {
      await registerApiKey(db, kept, 'first start');
      return { key: kept, source: 'data-dir' };
    }
  }
  if ((await db.apiKey.count({ where: { revokedAt: null } })) > 0) return { key: null, source: 'existing' };
  const key = generateApiKey();
  await registerApiKey(db, key, 'first start');
  if (options.keepInDataDir) {
    await mkdir(options.dataDir, { recursive: true });
    await writeFile(file, `${key}\n`, { mode: 0o600 });
  }
  return { key, source: 'generated' };
}
