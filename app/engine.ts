// Brings the engine up: database, Temporal, email transport, API and worker, each either the real
// service named by the environment or its embedded default. `start` runs all of it in one process;
// `api` and `worker` run one part each, for scale-out.
import { mkdir } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { bootstrapApiKey } from '../api/api-keys.ts';
import { type ApiServer, buildApiServer } from '../api/server.ts';
import { createChurnRefresher } from '../churn/refresh.ts';
import type { ChurnScoringConfig } from '../churn/scoring.ts';
import { EventRouter } from '../ingestion/event-router.ts';
import { settleOverdueSurveyAnswers } from '../ingestion/survey-answers.ts';
import { publishShippedJourneys } from '../journey-store/journey-versions.ts';
import { OutboxTransport } from '../messaging/outbox-transport.ts';
import { ResendTransport } from '../messaging/resend-transport.ts';
import { pruneWaitingDeliveries } from '../messaging/resend-webhooks.ts';
import type { EmailTransport } from '../messaging/transport.ts';
import type { Config } from '../runtime/config.ts';
import { createDatabase, type Database } from '../runtime/database.ts';
import { type EmbeddedPostgres, embeddedDataFolder, startEmbeddedPostgres } from '../runtime/embedded-postgres.ts';
import { type EmbeddedTemporal, startEmbeddedTemporal } from '../runtime/embedded-temporal.ts';
import { portIsFree } from '../runtime/local-processes.ts';
import type { Logger } from '../runtime/logger.ts';
import { announceEngine, claimDataDir, releaseDataDir } from '../runtime/running-engine.ts';
import { applyMigrations } from '../runtime/schema-engine.ts';
import { loadOrCreateSecret } from '../runtime/secrets.ts';
import { StartupError } from '../runtime/startup-error.ts';
import { installTemporalLogging } from '../runtime/temporal-logging.ts';
import { type AftercareWorkers, createAftercareWorker } from '../worker.ts';
import { temporalJourneyDispatcher } from '../workflow-client/journey-dispatcher.ts';
import { ensureSchedules } from '../workflow-client/schedules.ts';
import { temporalSurveySettler } from '../workflow-client/survey-settle.ts';
import { type DemoSummary, runDemo } from './demo-business.ts';
import { type DemoSignIn, demoAdminSignIn } from './demo-staff.ts';

export { StartupError };

type Stopper = () => Promise<unknown>;

export class Engine {
  private readonly stoppers: Stopper[] = [];
  constructor(
    readonly config: Config,
    readonly logger: Logger,
  ) {
    // Before any worker or native connection exists: the SDK's own logs then follow LOG_LEVEL.
    installTemporalLogging(logger);
  }

  onStop(stopper: Stopper) {
    this.stoppers.unshift(stopper);
  }

  async stop(): Promise<void> {
    for (const stop of this.stoppers.splice(0)) {
      try {
        await stop();
      } catch (error) {
        this.logger.warn({ err: error }, 'error while stopping');
      }
    }
  }

  /** DATABASE_URL, or the embedded PostgreSQL under DATA_DIR when `embedded` is allowed. */
  async database(options: { embedded: boolean; migrate: boolean }): Promise<{ db: Database; url: string; embedded: boolean }> {
    let url = this.config.databaseUrl;
    let embedded: EmbeddedPostgres | undefined;
    if (!url) {
      if (!options.embedded) throw new StartupError('DATABASE_URL is not set; set it, or use `aftercare start` for the embedded database.');
      await mkdir(this.config.dataDir, { recursive: true });
      embedded = await startEmbeddedPostgres(this.config.dataDir, { log: (message) => this.logger.debug(message) });
      this.onStop(() => embedded?.stop() ?? Promise.resolve());
      url = embedded.url;
      this.logger.info({ folder: embeddedDataFolder(this.config.dataDir), port: embedded.port }, 'embedded PostgreSQL started');
    }
    if (options.migrate) {
      const applied = await applyMigrations(url);
      if (applied.length > 0) this.logger.info({ applied }, 'migrations applied');
    }
    // A real server behind either: the embedded one takes the same pool as production.
    const db = createDatabase(url, 10, { logger: this.logger });
    this.onStop(() => db.$disconnect());
    return { db, url, embedded: Boolean(embedded) };
  }

  /** TEMPORAL_ADDRESS, or a dev server persisted under DATA_DIR when `embedded` is allowed. */
  async temporal(options: { embedded: boolean }): Promise<{ address: string; uiUrl: string | null }> {
    if (this.config.temporalAddress) return { address: this.config.temporalAddress, uiUrl: null };
    if (!options.embedded)
      throw new StartupError('TEMPORAL_ADDRESS is not set; set it, or use `aftercare start` for the embedded Temporal server.');
    const server: EmbeddedTemporal = await startEmbeddedTemporal({
      dataDir: this.config.dataDir,
      namespace: this.config.temporalNamespace,
      ui: true,
      log: (message) => this.logger.debug({ temporal: message }, 'temporal dev server'),
    });
    this.onStop(() => server.stop());
    this.logger.info({ address: server.address }, 'embedded Temporal dev server started');
    return { address: server.address, uiUrl: server.uiUrl };
  }

  async temporalClient(address: string): Promise<Client> {
    const connection = await Connection.connect({ address });
    this.onStop(() => connection.close());
    return new Client({ connection, namespace: this.config.temporalNamespace });
  }

  /** Band thresholds, score precedence and horizon, from CHURN_BAND_THRESHOLDS, CHURN_SCORE_PRECEDENCE and CHURN_HORIZON_DAYS. */
  churnConfig(): ChurnScoringConfig {
    return {
      thresholds: this.config.churnBandThresholds,
      precedence: this.config.churnScorePrecedence,
      horizonDays: this.config.churnHorizonDays,
    };
  }

  /** The router, refreshing a customer's churn score after each of their orders. */
  router(db: Database, client: Client): EventRouter {
    const churn = createChurnRefresher(db, {
      config: this.churnConfig(),
      onError: (error) => this.logger.warn({ err: error }, 'churn score refresh failed; the nightly run will catch up'),
    });
    return new EventRouter(db, temporalJourneyDispatcher(client, this.config.taskQueue), {
      defaultTimezone: this.config.defaultTimezone,
      churn,
      logger: this.logger,
    });
  }

  transport(db: Database): EmailTransport {
    return this.config.resendApiKey
      ? new ResendTransport(this.config.resendApiKey, this.config.resendBaseUrl ? { baseUrl: this.config.resendBaseUrl } : {})
      : new OutboxTransport(db);
  }

  async worker(db: Database, address: string, client: Client): Promise<{ worker: AftercareWorkers; router: EventRouter }> {
    const secret = await loadOrCreateSecret(this.config.dataDir, this.config.secret);
    const connection = await NativeConnection.connect({ address });
    const router = this.router(db, client);
    const worker = await createAftercareWorker({
      route: router.routeEvents,
      churn: this.churnConfig(),
      alertEscalateAfter: this.config.alertEscalateAfter,
      alertWebhookUrl: this.config.alertWebhookUrl,
      emailsPerSecond: this.config.emailsPerSecond,
      connection,
      namespace: this.config.temporalNamespace,
      taskQueue: this.config.taskQueue,
      db,
      transport: this.transport(db),
      activityConfig: {
        secret,
        publicUrl: this.config.publicUrl,
        emailFrom: this.config.emailFrom,
        defaultTimezone: this.config.defaultTimezone,
        defaultLocale: this.config.defaultLocale,
        businessName: this.config.businessName,
        businessAddress: this.config.businessAddress,
        brand: this.config.brand,
        unsubscribeMailto: this.config.unsubscribeMailto,
      },
    });
    const running = worker.run();
    this.onStop(async () => {
      worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
    });
    await ensureSchedules(client, this.config.taskQueue, this.config.defaultTimezone, {
      churnTimezone: this.config.churnScheduleTimezone,
    });
    // Events whose routing never finished (Temporal was down, an API process died) are retried here.
    const sweep = setInterval(() => {
      router.routePending().catch((error) => this.logger.warn({ err: error }, 'event sweep failed'));
      settleOverdueSurveyAnswers(db, router.routeEvents, this.config.surveySettleMs).catch((error) =>
        this.logger.warn({ err: error }, 'settling overdue survey answers failed'),
      );
    }, 30_000);
    // Webhook deliveries about emails that never became ours stop waiting after a week.
    const prune = setInterval(() => {
      pruneWaitingDeliveries(db).catch((error) => this.logger.warn({ err: error }, 'pruning waiting webhook deliveries failed'));
    }, 3_600_000);
    this.onStop(async () => {
      clearInterval(sweep);
      clearInterval(prune);
    });
    return { worker, router };
  }

  async api(db: Database, client: Client | null): Promise<ApiServer> {
    const route = client ? this.router(db, client).routeEvents : null;
    const secret = await loadOrCreateSecret(this.config.dataDir, this.config.secret);
    const server = await buildApiServer({
      db,
      temporal: client,
      route,
      logger: this.logger,
      publicUrl: this.config.publicUrl,
      secret,
      resendWebhookSecret: this.config.resendWebhookSecret,
      defaultTimezone: this.config.defaultTimezone,
      taskQueue: this.config.taskQueue,
      defaultLocale: this.config.defaultLocale,
      business: { name: this.config.businessName, address: this.config.businessAddress },
      customerFacing: { brand: this.config.brand, reviewUrlTemplate: this.config.reviewUrlTemplate },
      rateLimits: this.config.rateLimits,
      settleSurvey: client ? temporalSurveySettler(client, this.config.taskQueue, this.config.surveySettleMs) : null,
      emailTransport: this.config.resendApiKey ? 'resend' : 'outbox',
    });
    await server.listen({ port: this.config.port, host: this.config.host });
    this.onStop(() => server.close());
    return server;
  }
}

export type StartedEngine = {
  engine: Engine;
  apiKey: string | null;
  webUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | null;
  /** The database URL without its password, for the banner. */
  databaseLabel: string;
  embeddedDatabase: boolean;
  demo: DemoSummary | null;
  /** On embedded defaults: the demo admin's sign-in for the web app, while it still works. */
  demoSignIn: DemoSignIn | null;
};

/** A URL safe to print: the password is dropped. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** `aftercare start`: everything in one process, on embedded defaults where nothing is configured. */
export async function startAll(config: Config, logger: Logger): Promise<StartedEngine> {
  // Before anything starts: a busy API port would otherwise be found only after the database and
  // Temporal were up, leaving them to be torn down again.
  if (!(await portIsFree(config.port, config.host))) {
    throw new StartupError(`Port ${config.port} on ${config.host} is already in use: stop what uses it, or set PORT to another port.`);
  }
  const embeddedParts = !config.databaseUrl || !config.temporalAddress;
  await mkdir(config.dataDir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new StartupError(
      `DATA_DIR (${config.dataDir}) cannot be used as a folder (${error.code ?? error.message}): set DATA_DIR to a folder you can write to.`,
    );
  });
  const engine = new Engine(config, logger);
  try {
    if (embeddedParts) {
      await claimDataDir(config.dataDir);
      engine.onStop(() => releaseDataDir(config.dataDir));
    }
    await loadOrCreateSecret(config.dataDir, config.secret);
    // Both settle before a failure is thrown, so that the one that did start is registered to stop.
    const [database, temporalServer] = await Promise.allSettled([
      engine.database({ embedded: true, migrate: true }),
      engine.temporal({ embedded: true }),
    ]);
    if (database.status === 'rejected') throw database.reason;
    if (temporalServer.status === 'rejected') throw temporalServer.reason;
    const { db, url, embedded } = database.value;
    const temporal = temporalServer.value;
    await publishShippedJourneys(db);
    const seedWanted = config.seedDemo === 'always' || (config.seedDemo === 'auto' && embedded);
    const seedDemo = seedWanted && (await db.customer.count()) === 0;
    const key = await bootstrapApiKey(db, { configuredKey: config.apiKey, dataDir: config.dataDir, keepInDataDir: embedded });
    const client = await engine.temporalClient(temporal.address);
    const { router } = await engine.worker(db, temporal.address, client);
    await engine.api(db, client);
    if (embeddedParts)
      await announceEngine(config.dataDir, { databaseUrl: url, temporalAddress: temporal.address, apiUrl: config.publicUrl });
    const demoSignIn = embedded ? await demoAdminSignIn(db, config.dataDir) : null;
    const demo = seedDemo ? await runDemo({ db, client, route: router.routeEvents, taskQueue: config.taskQueue, logger }) : null;
    return {
      engine,
      apiKey: key.key,
      webUrl: config.publicUrl,
      temporalAddress: temporal.address,
      temporalUiUrl: temporal.uiUrl,
      databaseLabel: withoutPassword(url),
      embeddedDatabase: embedded,
      demo,
      demoSignIn,
    };
  } catch (error) {
    await engine.stop();
    throw error;
  }
}

/**
 * One part of a scale-out layout (`aftercare api` or `aftercare worker`) against configured services.
 * Every part publishes the shipped journeys, so any layout lists them whichever process starts first.
 */
async function startPart(
  config: Config,
  logger: Logger,
  run: (engine: Engine, db: Database, address: string, client: Client) => Promise<unknown>,
): Promise<Engine> {
  // Links signed by one process must verify in every other one.
  if (!config.secret)
    throw new StartupError('AFTERCARE_SECRET is not set: every API and worker process must sign links with the same secret.');
  const engine = new Engine(config, logger);
  try {
    const { address } = await engine.temporal({ embedded: false });
    const { db } = await engine.database({ embedded: false, migrate: false });
    await publishShippedJourneys(db);
    await run(engine, db, address, await engine.temporalClient(address));
    return engine;
  } catch (error) {
    await engine.stop();
    throw error;
  }
}

/** `aftercare api`: the stateless HTTP edge. */
export const startApiOnly = (config: Config, logger: Logger) =>
  startPart(config, logger, async (engine, db, _address, client) => {
    await bootstrapApiKey(db, { configuredKey: config.apiKey, dataDir: config.dataDir, keepInDataDir: false });
    await engine.api(db, client);
  });

/** `aftercare worker`: workflows and activities. */
export const startWorkerOnly = (config: Config, logger: Logger) =>
  startPart(config, logger, (engine, db, address, client) => engine.worker(db, address, client));
