// API keys: only their SHA-256 is stored. The first start creates one and prints it; with the
// embedded database (a laptop) it is also kept in DATA_DIR so that every start can print it again.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../runtime/database.ts';

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

export function generateApiKey(): string {
  return `ak_${randomBytes(24).toString('base64url')}`;
}

export async function registerApiKey(db: Database, key: string, name: string): Promise<void> {
  const hash = hashApiKey(key);
  await db.apiKey.upsert({ where: { hash }, update: {}, create: { hash, name, prefix: key.slice(0, 7) } });
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
