// Configuration comes from the environment, read and validated once at start-up. Every variable is
// listed in README.md; an invalid value stops the process with a sentence naming it.
import { Duration } from 'luxon';
import { z } from 'zod';

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const optionalUrl = (protocols: string[]) =>
  optionalString.refine((value) => value === undefined || (URL.canParse(value) && protocols.includes(new URL(value).protocol)), {
    message: `must be a URL (${protocols.join(' or ')})`,
  });

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** An absolute https URL with a host and no credentials (what may be put in an email or a customer's page). */
const isSafeHttpsUrl = (value: string) => {
  if (/\s/.test(value) || !URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '';
};

/** A review URL template names only {order} and {item}, and is a safe https URL once they are filled in. */
const isReviewUrlTemplate = (value: string) =>
  [...value.matchAll(/\{(\w+)\}/g)].every((match) => match[1] === 'order' || match[1] === 'item') &&
  isSafeHttpsUrl(value.replace(/\{order\}/g, 'order-1').replace(/\{item\}/g, 'item-1'));

const envSchema = z.object({
  DATABASE_URL: optionalUrl(['postgresql:', 'postgres:']),
  TEMPORAL_ADDRESS: optionalString.refine((value) => value === undefined || /^[^\s:]+:\d+$/.test(value), {
    message: 'must be host:port',
  }),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TASK_QUEUE: z.string().trim().min(1).default('aftercare'),
  RESEND_API_KEY: optionalString,
  RESEND_BASE_URL: optionalUrl(['http:', 'https:']),
  RESEND_WEBHOOK_SECRET: optionalString,
  EMAIL_FROM: z.string().trim().min(3).default('Aftercare <hello@aftercare.localhost>'),
  PUBLIC_URL: optionalUrl(['http:', 'https:']),
  AFTERCARE_SECRET: optionalString.refine((value) => value === undefined || value.length >= 32, {
    message: 'must be at least 32 characters',
  }),
  AFTERCARE_API_KEY: optionalString.refine((value) => value === undefined || value.length >= 24, {
    message: 'must be at least 24 characters',
  }),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: optionalString,
  DATA_DIR: z.string().trim().min(1).default('.data'),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  DEFAULT_TIMEZONE: z
    .string()
    .default('UTC')
    .refine((zone) => isValidTimeZone(zone), { message: 'must be an IANA time zone such as Europe/Paris' }),
  DEFAULT_LOCALE: z.string().default('en'),
  AFTERCARE_SEED_DEMO: z.enum(['auto', 'never', 'always']).default('auto'),
  EMAIL_RATE_LIMIT: z.coerce.number().positive().max(1000).default(2),
  SURVEY_SETTLE_WINDOW: z
    .string()
    .trim()
    .default('PT2M')
    .refine((value) => /^PT(\d+H)?(\d+M)?(\d+S)?$/.test(value) && value !== 'PT', {
      message: 'must be an ISO-8601 duration of hours, minutes or seconds, e.g. PT2M',
    }),
  RATE_LIMIT_PER_KEY: z.coerce.number().int().min(1).max(1_000_000).default(6000),
  RATE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(1).max(1_000_000).default(300),
  BUSINESS_NAME: z.string().trim().min(1).default('Aftercare Demo Store'),
  BUSINESS_POSTAL_ADDRESS: z.string().trim().min(1).default('1 Example Street, Springfield'),
  CHURN_SCHEDULE_TIMEZONE: optionalString.refine((zone) => zone === undefined || isValidTimeZone(zone), {
    message: 'must be an IANA time zone such as Europe/Paris',
  }),
  CHURN_BAND_THRESHOLDS: z
    .string()
    .trim()
    .default('30,60')
    .transform((value, context) => {
      const match = /^(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)$/.exec(value);
      const medium = Number(match?.[1]);
      const high = Number(match?.[2]);
      if (!match || !(medium <= high && high <= 100)) {
        context.addIssue({ code: 'custom', message: 'must be "medium,high": two scores with 0 <= medium <= high <= 100, e.g. 30,60' });
        return z.NEVER;
      }
      return { medium, high };
    }),
  CHURN_SCORE_PRECEDENCE: z.enum(['model', 'external', 'higher']).default('model'),
  CHURN_HORIZON_DAYS: z.coerce.number().int().min(7).max(365).default(90),
  ALERT_ESCALATE_AFTER: z
    .string()
    .trim()
    .default('PT24H')
    .refine((value) => Duration.fromISO(value).isValid && Duration.fromISO(value).toMillis() > 0, {
      message: 'must be a positive ISO-8601 duration such as PT24H or P2D',
    }),
  ALERT_WEBHOOK_URL: optionalUrl(['http:', 'https:']),
  REVIEW_URL_TEMPLATE: optionalString.refine((value) => value === undefined || isReviewUrlTemplate(value), {
    message: 'must be an https URL that may name {order} and {item}, e.g. https://reviews.example.com/shop/{order}?item={item}',
  }),
  UNSUBSCRIBE_MAILTO: optionalString.refine((value) => value === undefined || /^[^\s@<>?,;:"]+@[a-z0-9.-]+\.[a-z]{2,}$/i.test(value), {
    message: 'must be an email address such as unsubscribe@shop.example',
  }),
  BRAND_LOGO_URL: optionalString.refine((value) => value === undefined || isSafeHttpsUrl(value), {
    message: 'must be an https URL such as https://shop.example/logo.png',
  }),
  BRAND_ACCENT: optionalString.refine((value) => value === undefined || /^#[0-9a-fA-F]{6}$/.test(value), {
    message: 'must be a colour written #rrggbb, such as #0f766e',
  }),
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  BRAND_FOOTER: optionalString.refine((value) => value === undefined || (value.length <= 300 && !/[\u0000-\u001f\u007f]/.test(value)), {
    message: 'must be one line of at most 300 characters',
  }),
});

export type Config = {
  databaseUrl: string | undefined;
  temporalAddress: string | undefined;
  temporalNamespace: string;
  taskQueue: string;
  resendApiKey: string | undefined;
  resendBaseUrl: string | undefined;
  resendWebhookSecret: string | undefined;
  emailFrom: string;
  publicUrl: string;
  secret: string | undefined;
  apiKey: string | undefined;
  port: number;
  /** The API's listen address: 127.0.0.1 on embedded defaults, so that a laptop does not expose it. */
  host: string;
  dataDir: string;
  logLevel: (typeof logLevels)[number];
  defaultTimezone: string;
  defaultLocale: string;
  seedDemo: 'auto' | 'never' | 'always';
  businessName: string;
  businessAddress: string;
  emailsPerSecond: number;
  /** How long after a survey's first answer journeys are told the answer as it then stands. */
  surveySettleMs: number;
  /** Requests per minute per API key (/v1) and per client address (public links, webhooks). */
  rateLimits: { perKeyPerMinute: number; perAddressPerMinute: number };
  /** Time zone of the nightly churn scoring (default: DEFAULT_TIMEZONE). */
  churnScheduleTimezone: string;
  /** Lowest score of the medium and of the high churn band. */
  churnBandThresholds: { medium: number; high: number };
  /** Which score is in force when the business reports its own (`churn_score.reported`). */
  churnScorePrecedence: 'model' | 'external' | 'higher';
  /** H of the churn-risk score: 100 x P(no order in the next H days). */
  churnHorizonDays: number;
  /** How long an open alert may go unacknowledged before it escalates to the admins (ISO-8601 duration). */
  alertEscalateAfter: string;
  /** Where urgent and escalated alerts are also posted, signed with AFTERCARE_SECRET; unset: email only. */
  alertWebhookUrl: string | undefined;
  /** Where a review link leads (`{order}`, `{item}` filled in); unset: the built-in review page. */
  reviewUrlTemplate: string | undefined;
  /** An inbound address someone reads, offered as the mailto target of List-Unsubscribe; unset: https only. */
  unsubscribeMailto: string | undefined;
  /** The business's look in emails and pages. */
  brand: { logoUrl: string | null; accent: string; footer: string | null };
};

export class ConfigError extends Error {}

/** `PT1H2M3S` -> 3723 (the only durations configuration takes: hours, minutes, seconds). */
function isoSeconds(duration: string): number {
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(duration);
  return Number(match?.[1] ?? 0) * 3600 + Number(match?.[2] ?? 0) * 60 + Number(match?.[3] ?? 0);
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}.`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    temporalAddress: e.TEMPORAL_ADDRESS,
    temporalNamespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TASK_QUEUE,
    resendApiKey: e.RESEND_API_KEY,
    resendBaseUrl: e.RESEND_BASE_URL,
    resendWebhookSecret: e.RESEND_WEBHOOK_SECRET,
    emailFrom: e.EMAIL_FROM,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    secret: e.AFTERCARE_SECRET,
    apiKey: e.AFTERCARE_API_KEY,
    port: e.PORT,
    host: e.HOST ?? (e.DATABASE_URL ? '0.0.0.0' : '127.0.0.1'),
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    defaultTimezone: e.DEFAULT_TIMEZONE,
    defaultLocale: e.DEFAULT_LOCALE,
    seedDemo: e.AFTERCARE_SEED_DEMO,
    emailsPerSecond: e.EMAIL_RATE_LIMIT,
    surveySettleMs: isoSeconds(e.SURVEY_SETTLE_WINDOW) * 1000,
    rateLimits: { perKeyPerMinute: e.RATE_LIMIT_PER_KEY, perAddressPerMinute: e.RATE_LIMIT_PER_ADDRESS },
    businessName: e.BUSINESS_NAME,
    businessAddress: e.BUSINESS_POSTAL_ADDRESS,
    churnScheduleTimezone: e.CHURN_SCHEDULE_TIMEZONE ?? e.DEFAULT_TIMEZONE,
    churnBandThresholds: e.CHURN_BAND_THRESHOLDS,
    churnScorePrecedence: e.CHURN_SCORE_PRECEDENCE,
    churnHorizonDays: e.CHURN_HORIZON_DAYS,
    alertEscalateAfter: e.ALERT_ESCALATE_AFTER,
    alertWebhookUrl: e.ALERT_WEBHOOK_URL,
    reviewUrlTemplate: e.REVIEW_URL_TEMPLATE,
    unsubscribeMailto: e.UNSUBSCRIBE_MAILTO,
    brand: { logoUrl: e.BRAND_LOGO_URL ?? null, accent: (e.BRAND_ACCENT ?? '#2563eb').toLowerCase(), footer: e.BRAND_FOOTER ?? null },
  };
}
