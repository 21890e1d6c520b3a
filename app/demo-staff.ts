// The demo's staff sign-in: on embedded defaults a newcomer can open the web app at once. The first
// start makes an admin with a generated password and keeps both in DATA_DIR (owner-only), so that
// every start's banner can print them; a configured database never gets one.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../runtime/database.ts';
import { addStaffUser, checkCredentials } from '../workspace/staff.ts';

export const DEMO_ADMIN_EMAIL = 'admin@aftercare.local';

export type DemoSignIn = { email: string; password: string };

/**
 * The demo admin's credentials while they still sign in; null when there are other staff users, or
 * the demo admin was disabled or its password no longer matches (someone took the account over).
 */
export async function demoAdminSignIn(db: Database, dataDir: string): Promise<DemoSignIn | null> {
  const file = join(dataDir, 'demo-admin.json');
  const kept = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as DemoSignIn,
    () => null,
  );
  if (kept) return (await checkCredentials(db, kept.email, kept.password)) ? kept : null;
  if ((await db.staffUser.count()) > 0) return null;
  const { password } = await addStaffUser(db, null, { email: DEMO_ADMIN_EMAIL, name: 'Demo Admin', role: 'admin' });
  const created = { email: DEMO_ADMIN_EMAIL, password };
  await writeFile(file, `${JSON.stringify(created)}\n`, { mode: 0o600 });
  return created;
}
