// `npx aftercare <command>`. Every failure ends with a non-zero exit and one sentence on stderr.
// Heavy modules (Temporal, Fastify, Prisma) load inside the commands that need them, so that
// `--help` and one-shot commands start quickly.
import { Command, CommanderError } from 'commander';
import type { Engine } from '../app/engine.ts';
import { type Config, ConfigError, loadConfig } from '../runtime/config.ts';
import { createLogger } from '../runtime/logger.ts';
import { registerChurnCommands } from './churn-command.ts';
import { registerImportCommand } from './import-command.ts';
import { registerJourneysCommands } from './journeys-command.ts';
import { registerKeysCommands } from './keys-command.ts';
import { registerOutboxCommand } from './outbox-command.ts';
import { registerPoliciesCommands } from './policies-command.ts';
import { registerUsersCommands } from './users-command.ts';

class UsageError extends Error {}
/** Set by commands that finish; long-running ones (start, api, worker) keep the process alive. */
let finished = false;

function config(): Config {
  return loadConfig(process.env);
}

function stopOnSignals(engine: Engine): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    engine.logger.info({ signal }, 'stopping');
    engine.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

const program = new Command()
  .name('aftercare')
  .description('Churn prevention and proactive follow-up engine')
  .showHelpAfterError('(aftercare --help lists the commands)')
  .exitOverride();

program
  .command('start')
  .description('run everything (API, worker) on embedded defaults where nothing is configured')
  .action(async () => {
    const cfg = config();
    const logger = createLogger(cfg.logLevel);
    const { startAll } = await import('../app/engine.ts');
    const started = await startAll(cfg, logger);
    stopOnSignals(started.engine);
    const demo = started.demo;
    const lines = [
      '',
      'Aftercare is running.',
      `  Web app:         ${started.webUrl}/app`,
      started.demoSignIn
        ? `  Sign in:         ${started.demoSignIn.email} / ${started.demoSignIn.password}  (the demo admin; kept in ${cfg.dataDir}/demo-admin.json)`
        : '  Sign in:         `npx aftercare users add --email you@example.com --name You --role admin` makes a staff sign-in',
      `  API:             ${started.webUrl}/v1  (health: ${started.webUrl}/healthz, API docs: ${started.webUrl}/openapi.json)`,
      started.apiKey
        ? `  API key:         ${started.apiKey}`
        : '  API key:         created on first start (set AFTERCARE_API_KEY to choose one)',
      `  Temporal:        ${started.temporalAddress}${started.temporalUiUrl ? ` (UI: ${started.temporalUiUrl})` : ''}`,
      `  Database:        ${started.databaseLabel}${started.embeddedDatabase ? ` (embedded PostgreSQL, data in ${cfg.dataDir}/postgres)` : ''}`,
      cfg.resendApiKey
        ? '  Email:           Resend'
        : '  Email:           local outbox (no RESEND_API_KEY): `npx aftercare outbox` lists it, `--show ID` prints one',
      ...(demo
        ? [
            `  Demo data:       ${demo.events} events of a synthetic business, routed to the journeys; ${demo.scored} customers scored`,
            '                   `npx aftercare journeys list` shows the enrollments',
          ]
        : []),
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });

program
  .command('api')
  .description('run the HTTP API only (needs DATABASE_URL and TEMPORAL_ADDRESS)')
  .action(async () => {
    const cfg = config();
    const { startApiOnly } = await import('../app/engine.ts');
    const engine = await startApiOnly(cfg, createLogger(cfg.logLevel));
    stopOnSignals(engine);
    process.stdout.write(`Aftercare API listening on port ${cfg.port}\n`);
  });

program
  .command('worker')
  .description('run a worker only (needs DATABASE_URL and TEMPORAL_ADDRESS)')
  .action(async () => {
    const cfg = config();
    const { startWorkerOnly } = await import('../app/engine.ts');
    const engine = await startWorkerOnly(cfg, createLogger(cfg.logLevel));
    stopOnSignals(engine);
    process.stdout.write(`Aftercare worker polling task queue ${cfg.taskQueue}\n`);
  });

program
  .command('migrate')
  .description('apply database migrations and publish the shipped journeys (needs DATABASE_URL)')
  .action(async () => {
    const cfg = config();
    if (!cfg.databaseUrl) throw new UsageError('DATABASE_URL is not set: name the database to migrate.');
    const { applyMigrations } = await import('../runtime/schema-engine.ts');
    const applied = await applyMigrations(cfg.databaseUrl);
    const [{ createDatabase }, { publishShippedJourneys }] = await Promise.all([
      import('../runtime/database.ts'),
      import('../journey-store/journey-versions.ts'),
    ]);
    const db = createDatabase(cfg.databaseUrl, 2);
    const published = await publishShippedJourneys(db).finally(() => db.$disconnect());
    const created = published.filter((result) => result.created);
    process.stdout.write(
      `${applied.length > 0 ? `Applied ${applied.length} migration(s): ${applied.join(', ')}.` : 'The database is up to date.'}${
        created.length > 0 ? ` Published shipped journeys: ${created.map((result) => `${result.key} v${result.version}`).join(', ')}.` : ''
      }\n`,
    );
    finished = true;
  });

program
  .command('seed')
  .description('load a synthetic demo business into the database, as history (DATABASE_URL, or the running engine)')
  .option('--demo', 'a synthetic demo business')
  .action(async (options: { demo?: boolean }) => {
    if (!options.demo) throw new UsageError('Say what to seed: `aftercare seed --demo`.');
    const cfg = config();
    const [{ createDatabase }, { databaseUrlFor }] = await Promise.all([
      import('../runtime/database.ts'),
      import('./engine-connection.ts'),
    ]);
    const db = createDatabase(await databaseUrlFor(cfg, 'the database to seed'));
    try {
      const { seedDemoBusiness } = await import('../app/demo-business.ts');
      const count = await seedDemoBusiness(db);
      process.stdout.write(`Loaded ${count} demo events.\n`);
    } finally {
      await db.$disconnect();
    }
    finished = true;
  });

program
  .command('bench')
  .description('run the benchmarks and print their ratios against in-run baselines')
  .option('--only <names>', 'comma-separated subset, e.g. ingestion')
  .action(async (options: { only?: string }) => {
    // A child process, so that the product's CLI never imports the benchmarks.
    const { spawnSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const runner = fileURLToPath(new URL('../bench/run.ts', import.meta.url));
    const result = spawnSync(process.execPath, ['--import', 'tsx', runner, ...(options.only ? ['--only', options.only] : [])], {
      stdio: 'inherit',
    });
    process.exit(result.status ?? 1);
  });

registerChurnCommands(program, {
  usageError: (message) => new UsageError(message),
  finished: () => {
    finished = true;
  },
});

registerImportCommand(program, {
  usageError: (message) => new UsageError(message),
  finished: () => {
    finished = true;
  },
  config,
});
registerOutboxCommand(program, {
  usageError: (message) => new UsageError(message),
  finished: () => {
    finished = true;
  },
});
registerPoliciesCommands(program, {
  usageError: (message) => new UsageError(message),
  finished: () => {
    finished = true;
  },
});
registerJourneysCommands(program, {
  usageError: (message) => new UsageError(message),
  finished: () => {
    finished = true;
  },
});
registerUsersCommands(program, {
  usageError: (message) => new UsageError(message),
  finished: () => {
    finished = true;
  },
});
registerKeysCommands(program, {
  usageError: (message) => new UsageError(message),
  finished: () => {
    finished = true;
  },
});

function sentence(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').trim();
}

try {
  await program.parseAsync(process.argv);
  // Libraries may leave timers or pools behind; a finished command must not linger on them.
  if (finished) process.exit(0);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exit(error.exitCode === 0 ? 0 : 2);
  }
  const known =
    error instanceof ConfigError ||
    error instanceof UsageError ||
    (error instanceof Error && (error.name === 'StartupError' || error.name === 'UsageError'));
  process.stderr.write(`aftercare: ${sentence(error)}\n`);
  process.exit(known ? 2 : 1);
}
