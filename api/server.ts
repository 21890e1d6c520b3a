// The HTTP edge: validates and translates, nothing more. Every request schema is a zod schema, which
// also produces GET /openapi.json.
import { randomBytes } from 'node:crypto';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { RouteEvents } from '../core/routing/ports.ts';
import { findUnstorableText } from '../core/text/storable.ts';
import { TemplateStore } from '../messaging/template-store.ts';
import type { Database } from '../runtime/database.ts';
import type { Logger } from '../runtime/logger.ts';
import type { SurveySettler } from '../workflow-client/survey-settle.ts';
import { accountActionsRoutes } from './account-actions-routes.ts';
import { alertsRoutes } from './alerts-routes.ts';
import { hashApiKey } from './api-keys.ts';
import { createAuthentication, sessionSecrets } from './auth.ts';
import { backtestRoutes } from './backtest-routes.ts';
import { churnRoutes } from './churn-routes.ts';
import { customersRoutes } from './customers-routes.ts';
import { errorBody, HttpError, handleError } from './errors.ts';
import { eventsRoutes } from './events-routes.ts';
import { journeysRoutes } from './journeys-routes.ts';
import { messagesRoutes } from './messages-routes.ts';
import { type EmailTransportName, outboxRoutes } from './outbox-routes.ts';
import { policiesRoutes } from './policies-routes.ts';
import { type PublicRouteDeps, publicRoutes } from './public-routes.ts';
import { reviewsRoutes } from './reviews-routes.ts';
import { DEFAULT_SIGN_INS_PER_MINUTE, sessionRoutes } from './session-routes.ts';
import { staffRoutes } from './staff-routes.ts';
import { surveysRoutes } from './surveys-routes.ts';
import { templatesRoutes } from './templates-routes.ts';
import { registerWebApp } from './web-app.ts';

export type ApiDeps = {
  db: Database;
  temporal: Client | null;
  route: RouteEvents | null;
  logger: Logger;
  publicUrl: string;
  /** Checks the tokens of links in emails (AFTERCARE_SECRET); unset: /u and /s answer 503. */
  secret?: string;
  /** RESEND_WEBHOOK_SECRET; unset: POST /webhooks/resend answers 503. */
  resendWebhookSecret?: string | undefined;
  /** For customers without a zone of their own (simulations, previews). */
  defaultTimezone?: string;
  defaultLocale?: string;
  /**
   * Requests per minute per API key (/v1) and per client address (public links and webhooks), each
   * answered 429 with `retry-after` past the limit; false turns both off (tests that flood on purpose).
   */
  rateLimits?: RateLimits | false;
  /** Starts a survey answer's settle window (workflow-client/survey-settle.ts); unset: answers settle at once. */
  settleSurvey?: SurveySettler | null;
  /** The sender, as templates show it (previews). */
  business?: { name: string; address: string };
  /** The business's look (pages, previews) and where review links lead (REVIEW_URL_TEMPLATE). */
  customerFacing?: Pick<PublicRouteDeps, 'brand' | 'reviewUrlTemplate'>;
  /** The task queue workers poll (TASK_QUEUE; default `aftercare`): where POST /v1/churn/recompute starts its run. */
  taskQueue?: string;
  /** The built web app served at /app (web/dist by default); null: no web app (API-only tests). */
  webAppDir?: string | null;
  /** Where the engine's emails go (default `outbox`, the local transport): GET /v1/outbox says it. */
  emailTransport?: EmailTransportName;
};

export type RateLimits = {
  perKeyPerMinute: number;
  perAddressPerMinute: number;
  /** Staff sign-in attempts per minute per client address and per email (default 10). */
  signInsPerMinute?: number;
};
/** Far above any real integration (a batch endpoint takes 1000 events a call), far below a flood. */
export const DEFAULT_RATE_LIMITS: RateLimits = { perKeyPerMinute: 6000, perAddressPerMinute: 300 };

/** Room for a full batch of 1000 events with generous properties. */
export const BODY_LIMIT_BYTES = 5 * 1024 * 1024;

export type ApiServer = FastifyInstance;

export async function buildApiServer(deps: ApiDeps): Promise<ApiServer> {
  // Request lines are noise at info; the HTTP layer logs warnings and errors only.
  const httpLogger = deps.logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger;
  // Signed link tokens (/u/:token, /s/:token) are about 100 characters, the router's default limit for a parameter.
  const app = Fastify({
    loggerInstance: httpLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: 1024 },
    // A URL the router cannot even decode gets the same error shape as every other refusal.
    frameworkErrors: (error, _request, reply) => {
      const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
      (reply as FastifyReply).status(status).send(errorBody('invalid_url', error.message, '(url)'));
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  // Text PostgreSQL cannot store (NUL, lone surrogates) or JSON nested past the limit is refused with
  // its field before any route reads the database with it. POST /v1/events judges each event alone.
  app.addHook('preValidation', async (request) => {
    const parts: [string, unknown][] = [
      ['params', request.params],
      ['query', request.query],
    ];
    if (!(request.routeOptions.config as { judgesEachItem?: boolean } | undefined)?.judgesEachItem) parts.push(['body', request.body]);
    for (const [part, value] of parts) {
      const found = findUnstorableText(value, { root: part === 'body' ? '' : part });
      if (found) throw new HttpError(422, 'invalid_request', `${found.path} ${found.message}`, found.path);
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Aftercare API', version: '1', description: 'Churn prevention and proactive follow-up engine.' },
      servers: [{ url: deps.publicUrl }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'aftercare_session' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const checks: Record<string, string> = {};
    try {
      await deps.db.$queryRaw`SELECT 1`;
      checks.database = 'ok';
    } catch (error) {
      checks.database = (error as Error).message;
    }
    if (deps.temporal) {
      try {
        await deps.temporal.connection.workflowService.getSystemInfo({});
        checks.temporal = 'ok';
      } catch (error) {
        checks.temporal = (error as Error).message;
      }
    }
    const ready = Object.values(checks).every((value) => value === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const limits = deps.rateLimits === false ? null : (deps.rateLimits ?? DEFAULT_RATE_LIMITS);
  const limitBy = (max: number, key: (request: FastifyRequest) => string) => ({
    max,
    timeWindow: '1 minute',
    keyGenerator: key,
    errorResponseBuilder: (_request: FastifyRequest, context: { after: string }) =>
      new HttpError(429, 'rate_limited', `Too many requests; try again in ${context.after}.`),
  });
  // The key's hash names the bucket: a valid key and a guessed one are limited alike, before any lookup.
  const byApiKey = (request: FastifyRequest) => `key:${hashApiKey(request.headers.authorization ?? request.ip)}`;

  if (limits) await app.register(rateLimit, { global: false });
  // Staff sessions: a signed cookie and a CSRF token, each with its own key derived from AFTERCARE_SECRET
  // (without one, a key for this process only: sessions then end with it).
  const secrets = sessionSecrets(deps.secret ?? randomBytes(32).toString('base64url'));
  const secureCookies = deps.publicUrl.startsWith('https:');
  await app.register(cookie, { secret: secrets.cookie });
  const authenticate = createAuthentication(deps.db, { csrfSecret: secrets.csrf, secureCookies });
  await app.register(
    async (v1) => {
      // Before the key check, so that guessing keys is limited too.
      if (limits) v1.addHook('onRequest', app.rateLimit(limitBy(limits.perKeyPerMinute, byApiKey)));
      v1.addHook('onRequest', authenticate);
      await v1.register(
        sessionRoutes({
          db: deps.db,
          csrfSecret: secrets.csrf,
          secureCookies,
          signInsPerMinute: limits ? (limits.signInsPerMinute ?? DEFAULT_SIGN_INS_PER_MINUTE) : null,
        }),
      );
      await v1.register(eventsRoutes({ db: deps.db, route: deps.route, logger: deps.logger }));
      await v1.register(
        journeysRoutes({
          db: deps.db,
          temporal: deps.temporal,
          ...(deps.defaultTimezone ? { defaultTimezone: deps.defaultTimezone } : {}),
        }),
      );
      await v1.register(
        templatesRoutes({
          db: deps.db,
          templates: new TemplateStore(),
          settings: {
            secret: deps.secret ?? 'preview-only-secret',
            publicUrl: deps.publicUrl,
            businessName: deps.business?.name ?? 'Aftercare Demo Store',
            businessAddress: deps.business?.address ?? '1 Example Street, Springfield',
            ...(deps.customerFacing?.brand ? { brand: deps.customerFacing.brand } : {}),
          },
          defaults: { locale: deps.defaultLocale ?? 'en', timezone: deps.defaultTimezone ?? 'UTC' },
        }),
      );
      await v1.register(churnRoutes({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue ?? 'aftercare' }));
      await v1.register(accountActionsRoutes({ db: deps.db, temporal: deps.temporal, route: deps.route, logger: deps.logger }));
      await v1.register(alertsRoutes({ db: deps.db }));
      await v1.register(customersRoutes({ db: deps.db }));
      await v1.register(messagesRoutes({ db: deps.db }));
      await v1.register(surveysRoutes({ db: deps.db }));
      await v1.register(outboxRoutes({ db: deps.db, transport: deps.emailTransport ?? 'outbox' }));
      await v1.register(reviewsRoutes({ db: deps.db }));
      await v1.register(staffRoutes({ db: deps.db }));
      await v1.register(policiesRoutes({ db: deps.db }));
      await v1.register(backtestRoutes({ db: deps.db, ...(deps.defaultTimezone ? { defaultTimezone: deps.defaultTimezone } : {}) }));
    },
    { prefix: '/v1' },
  );
  // Public, no API key: links in emails and Resend's webhooks prove themselves (signed tokens, Svix signatures).
  await app.register(async (open) => {
    if (limits) open.addHook('onRequest', app.rateLimit(limitBy(limits.perAddressPerMinute, (request) => `address:${request.ip}`)));
    await open.register(
      publicRoutes({
        db: deps.db,
        route: deps.route,
        logger: deps.logger,
        secret: deps.secret,
        resendWebhookSecret: deps.resendWebhookSecret,
        settleSurvey: deps.settleSurvey ?? null,
        ...deps.customerFacing,
        ...(deps.business ? { businessName: deps.business.name } : {}),
      }),
    );
  });
  if (deps.webAppDir !== null) await registerWebApp(app as unknown as FastifyInstance, deps.webAppDir);
  return app as unknown as ApiServer;
}
