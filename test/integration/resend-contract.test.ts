// Contract tests: the real `resend` SDK, through ResendTransport, against the fake Resend server.
// No database, no Temporal: what the provider sees and what the transport throws for each answer.

import { ApplicationFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ResendTransport } from '../../messaging/resend-transport.ts';
import { type OutgoingEmail, PermanentSendError } from '../../messaging/transport.ts';
import { FakeResend } from '../support/fake-resend.ts';

let resend: FakeResend;
let transport: ResendTransport;

beforeAll(async () => {
  resend = await FakeResend.start();
  transport = new ResendTransport(resend.apiKey, { baseUrl: resend.url, timeoutMs: 400 });
});

afterEach(async () => {
  resend.releaseHung();
  resend.reset();
  await resend.acceptConnections();
});

afterAll(async () => {
  await resend?.close();
});

let counter = 0;
function email(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  counter += 1;
  const id = `0b9f7a3e-4c1d-4e8a-9f00-${String(counter).padStart(12, '0')}`;
  return {
    idempotencyKey: id,
    from: 'Aftercare Demo Store <hello@aftercare.example>',
    to: `customer-${counter}@example.com`,
    subject: 'Ada, how is your order going?',
    html: '<p>Hello Ada</p>',
    text: 'Hello Ada',
    headers: {
      'List-Unsubscribe': '<https://aftercare.example/u/tok>, <mailto:unsubscribe@aftercare.example?subject=tok>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    tags: [
      { name: 'enrollment_id', value: 'enr-1' },
      { name: 'message_id', value: id },
    ],
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the send to fail');
    },
    (error: unknown) => error,
  );
}

function expectRetryable(error: unknown, type: string): ApplicationFailure {
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect(error).not.toBeInstanceOf(PermanentSendError);
  const failure = error as ApplicationFailure;
  expect(failure.type).toBe(type);
  expect(failure.nonRetryable).toBeFalsy();
  return failure;
}

describe('ResendTransport against the fake Resend API', () => {
  it('sends every field with the message id as Idempotency-Key and returns the provider id', async () => {
    const message = email();
    const { providerId } = await transport.send(message);

    expect(resend.delivered).toHaveLength(1);
    const [delivered] = resend.delivered;
    expect(delivered).toMatchObject({
      id: providerId,
      idempotencyKey: message.idempotencyKey,
      from: message.from,
      to: [message.to],
      subject: message.subject,
      html: message.html,
      text: message.text,
      headers: message.headers,
      tags: message.tags,
      batch: false,
    });
    const [request] = resend.emailRequests();
    expect(request?.path).toBe('/emails');
    expect(request?.headers['authorization']).toBe(`Bearer ${resend.apiKey}`);
    expect(request?.headers['idempotency-key']).toBe(message.idempotencyKey);
    expect(request?.response).toEqual({ status: 200, body: { id: providerId }, replayed: false });
  });

  it('uses the explicit base URL, without a trailing slash, and no environment variable', () => {
    expect(new ResendTransport('re_x', { baseUrl: `${resend.url}/` }).baseUrl).toBe(resend.url);
  });

  it('falls back to RESEND_BASE_URL, read when the transport is built (as app/engine.ts builds it)', async () => {
    vi.stubEnv('RESEND_BASE_URL', `${resend.url}/`);
    const fromEnv = new ResendTransport(resend.apiKey);
    vi.unstubAllEnvs();
    expect(fromEnv.baseUrl).toBe(resend.url);
    await fromEnv.send(email());
    expect(resend.delivered).toHaveLength(1);
  });

  it('fails a validation error for good with the provider reason, and sends nothing', async () => {
    resend.rejectRecipient('bounced@example.com', { message: 'The recipient bounced@example.com is not allowed.' });
    const error = await failure(transport.send(email({ to: 'Bounced <bounced@example.com>' })));
    expect(error).toBeInstanceOf(PermanentSendError);
    expect(error).not.toBeInstanceOf(ApplicationFailure);
    expect((error as PermanentSendError).providerCode).toBe('validation_error');
    expect((error as Error).message).toContain('The recipient bounced@example.com is not allowed.');

    const malformed = await failure(transport.send(email({ to: 'not an address' })));
    expect(malformed).toBeInstanceOf(PermanentSendError);
    expect((malformed as Error).message).toContain('Invalid `to` field');

    const badTag = await failure(transport.send(email({ tags: [{ name: 'message id', value: 'a:b' }] })));
    expect((badTag as PermanentSendError).providerCode).toBe('validation_error');
    expect(resend.delivered).toHaveLength(0);
  });

  it('turns 429 into a retryable failure carrying retry-after, and the retry delivers once', async () => {
    const message = email();
    resend.rateLimitNext(1, 3);
    const failed = expectRetryable(await failure(transport.send(message)), 'ResendRateLimited');
    expect(failed.nextRetryDelay).toBe(3000);
    expect(resend.delivered).toHaveLength(0);

    const { providerId } = await transport.send(message);
    expect(resend.delivered.map((d) => d.id)).toEqual([providerId]);
    expect(resend.emailRequests().map((r) => [r.idempotencyKey, r.response?.status])).toEqual([
      [message.idempotencyKey, 429],
      [message.idempotencyKey, 200],
    ]);
  });

  it('retries 5xx (JSON or a proxy page) and delivers once', async () => {
    const message = email();
    resend.serverErrorNext(1, 500).serverErrorNext(1, 503).failNext(1, { status: 502, rawBody: '<html>Bad gateway</html>' });
    for (let i = 0; i < 3; i++) expectRetryable(await failure(transport.send(message)), 'ResendUnavailable');
    const { providerId } = await transport.send(message);
    expect(resend.delivered.map((d) => d.id)).toEqual([providerId]);
  });

  it('times out a request the provider accepted without answering; the retry gets the same id, one email', async () => {
    const message = email();
    resend.hangNext(1, 'accept');
    const started = Date.now();
    expectRetryable(await failure(transport.send(message)), 'ResendTimeout');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(resend.delivered).toHaveLength(1);

    const { providerId } = await transport.send(message);
    expect(providerId).toBe(resend.delivered[0]?.id);
    expect(resend.delivered).toHaveLength(1);
    expect(resend.emailRequests()[1]?.response?.replayed).toBe(true);
  });

  it('times out a request lost before the provider saw it; the retry delivers once', async () => {
    const message = email();
    resend.hangNext(1, 'drop');
    expectRetryable(await failure(transport.send(message)), 'ResendTimeout');
    expect(resend.delivered).toHaveLength(0);
    await transport.send(message);
    expect(resend.delivered).toHaveLength(1);
  });

  it('retries 409 concurrent_idempotent_requests while the first request is still in flight', async () => {
    const message = email();
    resend.hangNext(1, 'in-flight');
    expectRetryable(await failure(transport.send(message)), 'ResendTimeout');
    expectRetryable(await failure(transport.send(message)), 'ResendConcurrentRequest');
    expect(resend.delivered).toHaveLength(0);

    resend.releaseHung();
    const { providerId } = await transport.send(message);
    expect(resend.delivered.map((d) => d.id)).toEqual([providerId]);
  });

  it('retries a refused connection and a dropped one', async () => {
    const message = email();
    await resend.refuseConnections();
    expectRetryable(await failure(transport.send(message)), 'ResendUnreachable');
    await resend.acceptConnections();

    resend.resetNext(1);
    expectRetryable(await failure(transport.send(message)), 'ResendUnreachable');

    await transport.send(message);
    expect(resend.delivered).toHaveLength(1);
  });

  it('retries a wrong API key instead of failing the message (a configuration error)', async () => {
    const wrongKey = new ResendTransport('re_wrong', { baseUrl: resend.url, timeoutMs: 400 });
    expectRetryable(await failure(wrongKey.send(email())), 'ResendConfigurationError');
    expect(resend.delivered).toHaveLength(0);
  });

  it('answers the same key and body with the same id and sends nothing again', async () => {
    const message = email();
    const first = await transport.send(message);
    const second = await transport.send({ ...message });
    expect(second.providerId).toBe(first.providerId);
    expect(resend.delivered).toHaveLength(1);
  });

  it('refuses the same key with another body for good (invalid_idempotent_request)', async () => {
    const message = email();
    await transport.send(message);
    const error = await failure(transport.send({ ...message, subject: 'Something else' }));
    expect(error).toBeInstanceOf(PermanentSendError);
    expect((error as PermanentSendError).providerCode).toBe('invalid_idempotent_request');
    expect(resend.delivered).toHaveLength(1);
  });

  it('keeps to its own rate limit when asked, answering 429 beyond it', async () => {
    resend.setRateLimit(2);
    try {
      const outcomes = await Promise.allSettled([transport.send(email()), transport.send(email()), transport.send(email())]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
      const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(expectRetryable(rejected.reason, 'ResendRateLimited').nextRetryDelay).toBe(1000);
    } finally {
      resend.setRateLimit(undefined);
    }
  });
});
