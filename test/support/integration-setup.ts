// Runs in every integration test file. Its afterAll hook runs after the file's own (after-hooks run
// last-registered first, and this one is registered before the file's): whatever the file left open
// because a hook failed or forgot it (a CLI worker, a database with its pool, workers and servers
// registered with `closeBeforeDrop`) is closed, so that no pool outlives its database and no process
// outlives its file.
import { afterAll } from 'vitest';
import { stopRunningChildren } from './cli.ts';
import { dropOpenDatabases } from './database.ts';

afterAll(async () => {
  await stopRunningChildren();
  const left = await dropOpenDatabases();
  if (left.length) console.warn(`The test file left ${left.length} database(s) open; dropped: ${left.join(', ')}`);
});
