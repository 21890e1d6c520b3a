// Once per `npm test` run: one Temporal dev server, one migrated template database (each test file
// copies it), and one workflow bundle shared by every test worker.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedTemporal } from '../../runtime/embedded-temporal.ts';
import { applyMigrations } from '../../runtime/schema-engine.ts';
import { workflowsPath } from '../../worker.ts';
import { adminDatabaseUrl, databaseUrlFor } from './database-urls.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    templateDatabase: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  const admin = new pg.Client({ connectionString: adminDatabaseUrl() });
  // Open for the whole run: a lost connection must fail the teardown's query, not crash the runner.
  admin.on('error', (error) => console.warn(`The test run's admin connection to PostgreSQL was lost: ${error.message}`));
  await admin.connect();
  const templateDatabase = `aftercare_tpl_${process.pid}`;
  await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase}`);
  await admin.query(`CREATE DATABASE ${templateDatabase}`);

  const [temporal, bundle] = await Promise.all([
    startEmbeddedTemporal({ namespace: 'default' }),
    bundleWorkflowCode({ workflowsPath, logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } }),
    applyMigrations(databaseUrlFor(templateDatabase)),
  ]);
  const bundleDir = await mkdtemp(join(tmpdir(), 'aftercare-bundle-'));
  const workflowBundlePath = join(bundleDir, 'workflows.js');
  await writeFile(workflowBundlePath, bundle.code);

  project.provide('temporalAddress', temporal.address);
  project.provide('templateDatabase', templateDatabase);
  project.provide('workflowBundlePath', workflowBundlePath);

  return async () => {
    await temporal.stop();
    await rm(bundleDir, { recursive: true, force: true });
    const leftovers = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'aftercare_t_${process.pid}_%' OR datname = $1`,
      [templateDatabase],
    );
    for (const { datname } of leftovers.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.end();
  };
}
