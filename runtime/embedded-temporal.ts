// The zero-setup Temporal: the CLI's dev server, persisted to SQLite under DATA_DIR so that waiting
// journeys survive a restart, and stopped with the process.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { freePort } from './embedded-postgres.ts';
import { temporalCliExecutable } from './temporal-binaries.ts';

export type EmbeddedTemporal = { address: string; uiUrl: string | null; stop(): Promise<void> };

export async function startEmbeddedTemporal(options: { dataDir?: string; namespace: string; ui?: boolean }): Promise<EmbeddedTemporal> {
  let dbFilename: string | undefined;
  if (options.dataDir) {
    await mkdir(join(options.dataDir, 'temporal'), { recursive: true });
    dbFilename = join(options.dataDir, 'temporal', 'temporal.sqlite');
  }
  const port = await freePort(options.ui ? 7233 : 0);
  const uiPort = options.ui ? await freePort(8233) : undefined;
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: temporalCliExecutable(),
      namespace: options.namespace,
      ip: '127.0.0.1',
      port,
      ...(dbFilename ? { dbFilename } : {}),
      ...(uiPort ? { ui: true, uiPort } : {}),
      log: { format: 'pretty', level: 'error' },
      // One partition per task queue: a rate limit (the email queue's) is then applied as one
      // smooth rate instead of a quarter of it on each of four partitions, which arrives in bursts.
      extraArgs: [
        '--dynamic-config-value',
        'matching.numTaskqueueReadPartitions=1',
        '--dynamic-config-value',
        'matching.numTaskqueueWritePartitions=1',
      ],
    },
  });
  return {
    address: env.address,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : null,
    stop: () => env.teardown(),
  };
}
