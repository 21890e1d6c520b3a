import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { classifyResendError, resendFailure, retryAfterMillis } from '../../../messaging/resend-transport.ts';
import { PermanentSendError } from '../../../messaging/transport.ts';

const error = (name: string, statusCode: number | null, message = 'reason') => ({ name, statusCode, message });

describe('classifying Resend errors', () => {
  it.each([
    ['validation_error', 422],
    ['validation_error', 403],
    ['missing_required_field', 422],
    ['invalid_from_address', 403],
    ['invalid_idempotent_request', 409],
    ['invalid_idempotency_key', 400],
    ['something_new', 400],
  ])('%s (%s) is permanent', (name, status) => {
    expect(classifyResendError(error(name, status))).toMatchObject({ retryable: false, code: name, statusCode: status });
  });

  it.each([
    ['rate_limit_exceeded', 429, 'ResendRateLimited'],
    ['daily_quota_exceeded', 429, 'ResendQuotaExceeded'],
    ['concurrent_idempotent_requests', 409, 'ResendConcurrentRequest'],
    ['invalid_api_key', 403, 'ResendConfigurationError'],
    ['missing_api_key', 401, 'ResendConfigurationError'],
    ['not_found', 404, 'ResendConfigurationError'],
    ['internal_server_error', 500, 'ResendUnavailable'],
    ['application_error', 503, 'ResendUnavailable'],
    ['something_new', 502, 'ResendUnavailable'],
    ['application_error', null, 'ResendUnreachable'],
  ])('%s (%s) is retryable as %s', (name, status, type) => {
    expect(classifyResendError(error(name, status))).toMatchObject({ retryable: true, type });
  });

  it('calls an aborted request a timeout, whatever the SDK made of it', () => {
    expect(classifyResendError(error('application_error', null), null, true)).toMatchObject({ retryable: true, type: 'ResendTimeout' });
  });

  it('reads the delay of a 429 from retry-after, then ratelimit-reset', () => {
    expect(classifyResendError(error('rate_limit_exceeded', 429), { 'retry-after': '2' })).toMatchObject({ retryAfterMs: 2000 });
    expect(classifyResendError(error('rate_limit_exceeded', 429), { 'ratelimit-reset': '1' })).toMatchObject({ retryAfterMs: 1000 });
    expect(classifyResendError(error('rate_limit_exceeded', 429), {})).not.toHaveProperty('retryAfterMs');
  });
});

describe('retry-after', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('takes seconds, fractions and HTTP dates', () => {
    expect(retryAfterMillis({ 'Retry-After': '3' }, now)).toBe(3000);
    expect(retryAfterMillis({ 'retry-after': '0.5' }, now)).toBe(500);
    expect(retryAfterMillis({ 'retry-after': 'Thu, 01 Jan 2026 00:00:10 GMT' }, now)).toBe(10_000);
    expect(retryAfterMillis({ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' }, now)).toBe(0);
    expect(retryAfterMillis({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMillis(null, now)).toBeUndefined();
  });
});

describe('the error thrown', () => {
  it('is a PermanentSendError with the code and reason for permanent errors', () => {
    const thrown = resendFailure(classifyResendError(error('validation_error', 422, 'Invalid `to` field.')));
    expect(thrown).toBeInstanceOf(PermanentSendError);
    expect((thrown as PermanentSendError).providerCode).toBe('validation_error');
    expect(thrown.message).toContain('Invalid `to` field.');
  });

  it('is a retryable ApplicationFailure with nextRetryDelay for a 429', () => {
    const thrown = resendFailure(classifyResendError(error('rate_limit_exceeded', 429), { 'retry-after': '4' })) as ApplicationFailure;
    expect(thrown).toBeInstanceOf(ApplicationFailure);
    expect(thrown).toMatchObject({ type: 'ResendRateLimited', nonRetryable: false, nextRetryDelay: 4000 });
    expect(thrown.details).toEqual([{ providerCode: 'rate_limit_exceeded', statusCode: 429 }]);
  });
});
