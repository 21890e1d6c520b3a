// The first thing a newcomer runs is as correct as production: six clients sending ordinary valid
// requests at once to `aftercare start` on embedded defaults get only right answers, and every order
// gets exactly one check-in. (On the earlier embedded database, a single-session PGlite behind a
// socket server, this load crossed the connections' statements and lost enrollments.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedEngine, startEmbeddedEngine, waitFor } from '../support/embedded-engine.ts';
import { customerUpserted, orderPlaced } from '../support/events.ts';

const CLIENTS = 6;
const REQUESTS_PER_CLIENT = 60;
const SHIPPED = ['at-risk-save', 'post-purchase-checkin', 'review-request', 'service-recovery', 'win-back'];

describe('aftercare start under concurrent load', () => {
  let engine: EmbeddedEngine;
  beforeAll(async () => {
    engine = await startEmbeddedEngine({ LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await engine?.dispose();
  });

  it('gives 0 wrong answers to 360 mixed requests from 6 clients, and one check-in per order', async () => {
    // A stored customer for previews and simulations that look one up.
    const reader = await engine.call('POST', '/v1/events', {
      events: [
        customerUpserted('load-reader', { locale: 'fr-FR', timezone: 'Europe/Paris', name: 'Amélie' }),
        orderPlaced('load-reader', 'reader-1'),
      ],
    });
    expect(reader.status).toBe(202);
    const simulateBody = { customer: { customerId: 'load-reader' }, start: '2026-11-23T10:00:00+01:00', days: 20 };
    const previewBody = { customerId: 'load-reader', survey: 'csat' };
    const expectedSimulation = await engine.call('POST', '/v1/journeys/post-purchase-checkin/simulate', simulateBody);
    const expectedPreview = await engine.call('POST', '/v1/templates/checkin/preview', previewBody);
    expect(expectedSimulation.status, expectedSimulation.text).toBe(200);
    expect(expectedPreview.status, expectedPreview.text).toBe(200);

    const wrong: string[] = [];
    let orders = 0;
    const client = async (clientIndex: number) => {
      for (let i = 0; i < REQUESTS_PER_CLIENT; i++) {
        const label = `client ${clientIndex} request ${i}`;
        switch (i % 4) {
          case 0: {
            const customer = `load-${clientIndex}-${i}`;
            orders++;
            const answer = await engine.call('POST', '/v1/events', {
              events: [customerUpserted(customer), orderPlaced(customer, `order-${customer}`)],
            });
            const body = answer.body as { accepted?: number };
            if (answer.status !== 202 || body.accepted !== 2)
              wrong.push(`${label} (events): ${answer.status} ${answer.text.slice(0, 200)}`);
            break;
          }
          case 1: {
            const answer = await engine.call('POST', '/v1/journeys/post-purchase-checkin/simulate', simulateBody);
            if (answer.status !== 200 || answer.text !== expectedSimulation.text)
              wrong.push(`${label} (simulate): ${answer.status} ${answer.text.slice(0, 200)}`);
            break;
          }
          case 2: {
            const answer = await engine.call('POST', '/v1/templates/checkin/preview', previewBody);
            if (answer.status !== 200 || answer.text !== expectedPreview.text)
              wrong.push(`${label} (preview): ${answer.status} ${answer.text.slice(0, 200)}`);
            break;
          }
          default: {
            const answer = await engine.call('GET', '/v1/journeys');
            const keys = ((answer.body as { journeys?: { key: string }[] } | null)?.journeys ?? []).map((journey) => journey.key).sort();
            if (answer.status !== 200 || JSON.stringify(keys) !== JSON.stringify(SHIPPED))
              wrong.push(`${label} (journeys): ${answer.status} ${answer.text.slice(0, 200)}`);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, index) => client(index)));
    expect(wrong).toEqual([]);
    expect(orders).toBe(90);

    // One check-in per order (the reader's own order included), each one entered once.
    const enrolled = await waitFor(
      'every order to be enrolled',
      () =>
        engine.query<{ total: number; orders: number }>(
          `SELECT count(*)::int AS total, count(DISTINCT "entityKey")::int AS orders FROM "Enrollment" WHERE "journeyKey" = 'post-purchase-checkin'`,
        ),
      (rows) => (rows[0]?.total ?? 0) >= orders + 1,
    );
    expect(enrolled[0]).toEqual({ total: orders + 1, orders: orders + 1 });
    const unrouted = await engine.query<{ count: number }>(`SELECT count(*)::int AS count FROM "Event" WHERE "routedAt" IS NULL`);
    expect(unrouted[0]?.count).toBe(0);

    // Everything it logged at info, through all of that: no email address, no customer name.
    const logLines = engine
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(logLines.some((line) => line.includes('"level":30'))).toBe(true);
    expect(logLines.join('\n')).not.toMatch(/@example\.com|Ada Lovelace|Amélie/);
  });
});
