// Resend through its official SDK. The message id travels as the `Idempotency-Key`, so a retried
// activity never sends a second email: Resend answers a repeated key and body with the first id.
//
// Base URL: the SDK takes it from `new Resend(key, { baseUrl })`, else reads RESEND_BASE_URL from the
// environment once, in its constructor (default https://api.resend.com). Pass `baseUrl` explicitly
// (from config) and nothing depends on the process environment.
//
// Timeouts: the SDK has no timeout of its own and calls the global `fetch` (no custom fetch), but it
// passes the `signal` request option through to `fetch`; every call gets `AbortSignal.timeout`.
//
// Errors: the SDK never throws; it returns `{ error: { name, statusCode, message }, headers }`.
// Network failures, aborts and unparseable answers all come back as `application_error` with
// `statusCode: null`. `classifyResendError` maps them (see the table there): transient ones become a
// retryable Temporal `ApplicationFailure` (429 carries `nextRetryDelay` from `retry-after`), permanent
// ones a `PermanentSendError` that the send activity records as `failed` without retrying.

import { ApplicationFailure } from '@temporalio/common';
import { Resend } from 'resend';
import { type EmailTransport, type OutgoingEmail, PermanentSendError, type SendResult } from './transport.ts';

export type ResendTransportOptions = {
  /** Resend API base, e.g. a local fake. Unset: the SDK reads RESEND_BASE_URL, else https://api.resend.com. */
  baseUrl?: string;
  /** Abandon a request after this long (default 10 s): a retryable `ResendTimeout`. */
  timeoutMs?: number;
};

/** The error the SDK returns (`name` is Resend's error code). */
export type ResendApiError = { name: string; message: string; statusCode: number | null };

/** Temporal failure types of retryable provider errors (`ApplicationFailure.type`). */
export type ResendRetryableType =
  | 'ResendTimeout'
  | 'ResendUnreachable'
  | 'ResendRateLimited'
  | 'ResendQuotaExceeded'
  | 'ResendConcurrentRequest'
  | 'ResendUnavailable'
  | 'ResendConfigurationError';

export type ResendErrorClass =
  | { retryable: false; code: string; statusCode: number | null; reason: string }
  | { retryable: true; type: ResendRetryableType; code: string; statusCode: number | null; reason: string; retryAfterMs?: number };

const defaultTimeoutMs = 10_000;

// The email itself is wrong: sending it again cannot succeed.
const permanentCodes = new Set([
  'validation_error',
  'missing_required_field',
  'invalid_attachment',
  'invalid_from_address',
  'invalid_parameter',
  'invalid_region',
  'invalid_idempotency_key',
  'invalid_idempotent_request',
]);
// The account or the configuration is wrong (key, base URL): not this email's fault. Retried, so that
// the email goes out once an operator fixes it instead of being marked failed.
const configurationCodes = new Set([
  'missing_api_key',
  'invalid_api_key',
  'restricted_api_key',
  'invalid_access',
  'not_found',
  'method_not_allowed',
]);

/**
 * How to treat a Resend error.
 *
 * | what came back                                            | result                                  |
 * | --------------------------------------------------------- | --------------------------------------- |
 * | our timeout fired                                         | retryable `ResendTimeout`               |
 * | `statusCode: null` (refused, reset, DNS, unreadable body) | retryable `ResendUnreachable`           |
 * | validation_error, missing_required_field, invalid_*       | permanent (`PermanentSendError`)        |
 * | 409 invalid_idempotent_request                            | permanent                               |
 * | 429 rate_limit_exceeded                                   | retryable `ResendRateLimited` + delay   |
 * | 429 daily/monthly_quota_exceeded                          | retryable `ResendQuotaExceeded` + delay |
 * | 409 concurrent_idempotent_requests                        | retryable `ResendConcurrentRequest`     |
 * | 401/403 keys, 404/405 endpoints                           | retryable `ResendConfigurationError`    |
 * | 5xx, 408, application_error, internal_server_error        | retryable `ResendUnavailable`           |
 * | any other 4xx                                             | permanent                               |
 */
export function classifyResendError(
  error: ResendApiError,
  headers: Record<string, string> | null = null,
  timedOut = false,
  now = Date.now(),
): ResendErrorClass {
  const code = String(error.name ?? 'unknown');
  const statusCode = typeof error.statusCode === 'number' ? error.statusCode : null;
  const reason = String(error.message ?? '');
  const base = { code, statusCode, reason };
  if (timedOut) return { ...base, retryable: true, type: 'ResendTimeout' };
  if (statusCode === null) return { ...base, retryable: true, type: 'ResendUnreachable' };
  if (permanentCodes.has(code)) return { ...base, retryable: false };
  if (statusCode === 429 || code === 'rate_limit_exceeded' || code.endsWith('_quota_exceeded')) {
    const retryAfterMs = retryAfterMillis(headers, now);
    const type = code.endsWith('_quota_exceeded') ? 'ResendQuotaExceeded' : 'ResendRateLimited';
    return { ...base, retryable: true, type, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  if (code === 'concurrent_idempotent_requests') return { ...base, retryable: true, type: 'ResendConcurrentRequest' };
  if (configurationCodes.has(code)) return { ...base, retryable: true, type: 'ResendConfigurationError' };
  if (statusCode >= 500 || statusCode === 408 || code === 'application_error' || code === 'internal_server_error') {
    return { ...base, retryable: true, type: 'ResendUnavailable' };
  }
  return { ...base, retryable: false };
}

/** The error to throw for a classified Resend error. */
export function resendFailure(failure: ResendErrorClass): Error {
  const status = failure.statusCode === null ? 'no answer' : String(failure.statusCode);
  if (!failure.retryable) {
    return new PermanentSendError(`Resend refused the email (${failure.code}, ${status}): ${failure.reason}`, failure.code);
  }
  return ApplicationFailure.create({
    type: failure.type,
    message: `Resend ${failure.code} (${status}): ${failure.reason}`,
    nonRetryable: false,
    details: [{ providerCode: failure.code, statusCode: failure.statusCode }],
    ...(failure.retryAfterMs === undefined ? {} : { nextRetryDelay: failure.retryAfterMs }),
  });
}

/** `retry-after` in seconds or as an HTTP date, else `ratelimit-reset` (seconds), in milliseconds. */
export function retryAfterMillis(headers: Record<string, string> | null, now = Date.now()): number | undefined {
  const lower = Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  const parse = (value: string | undefined): number | undefined => {
    const text = value?.trim();
    if (!text) return undefined;
    if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
    const date = Date.parse(text);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
  };
  return parse(lower['retry-after']) ?? parse(lower['ratelimit-reset']);
}

export class ResendTransport implements EmailTransport {
  readonly name = 'resend';
  private readonly client: Resend;
  private readonly timeoutMs: number;

  constructor(apiKey: string, options: ResendTransportOptions = {}) {
    // What the SDK would do by itself (RESEND_BASE_URL, read now), minus a trailing slash it would keep.
    const baseUrl = (options.baseUrl ?? process.env['RESEND_BASE_URL'])?.replace(/\/+$/, '');
    this.client = new Resend(apiKey, baseUrl ? { baseUrl } : undefined);
    this.timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  }

  /** The base URL the SDK calls. */
  get baseUrl(): string {
    return this.client.baseUrl;
  }

  async send(email: OutgoingEmail, options: { signal?: AbortSignal } = {}): Promise<SendResult> {
    requireKey(email.idempotencyKey);
    const { signal, timedOut } = this.requestSignal(options.signal);
    const { data, error, headers } = await this.client.emails.send(toResend(email), { idempotencyKey: email.idempotencyKey, signal });
    if (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw resendFailure(classifyResendError(error, headers, timedOut()));
    }
    if (!data?.id) throw ApplicationFailure.retryable('Resend answered without an email id', 'ResendUnavailable');
    return { providerId: data.id };
  }

  private requestSignal(outer: AbortSignal | undefined): { signal: AbortSignal; timedOut: () => boolean } {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    return { signal: outer ? AbortSignal.any([timeout, outer]) : timeout, timedOut: () => timeout.aborted };
  }
}

function toResend(email: OutgoingEmail) {
  return {
    from: email.from,
    to: email.to,
    subject: email.subject,
    html: email.html,
    text: email.text,
    headers: email.headers,
    tags: email.tags,
  };
}

function requireKey(key: string): void {
  // The SDK silently drops an empty key, and with it every guarantee against a second email.
  if (!key || key.length > 256) {
    throw ApplicationFailure.nonRetryable('ResendTransport needs an idempotency key of 1 to 256 characters', 'ResendMissingIdempotencyKey');
  }
}
