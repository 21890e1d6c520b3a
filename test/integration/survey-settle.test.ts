// The settle window: journeys hear of a survey answer only once the window after the first answer has
// passed, and then the answer as it stands. A scanner that runs the page's script, followed by the
// customer's own click, makes one event with the customer's score (time-skipping server).
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { temporalSurveySettler } from '../../workflow-client/survey-settle.ts';
import { customerUpserted, orderEvent, orderPlaced } from '../support/events.ts';
import { createJourneyHarness, type JourneyHarness } from '../support/journey-harness.ts';
import { testActivityConfig } from '../support/temporal.ts';

const SETTLE_MS = 2 * 60_000;
let h: JourneyHarness;
let app: ApiServer;
beforeAll(async () => {
  h = await createJourneyHarness('survey-settle');
  app = await buildApiServer({
    db: h.db,
    temporal: h.env.client,
    route: h.router.routeEvents,
    logger: pino({ level: 'silent' }),
    publicUrl: testActivityConfig.publicUrl,
    secret: testActivityConfig.secret,
    settleSurvey: temporalSurveySettler(h.env.client, h.taskQueue, SETTLE_MS),
    rateLimits: false,
  });
});
afterAll(async () => {
  await app?.close();
  await h?.close();
});

describe('a survey answer and its settle window', () => {
  it("a scanner's 1 replaced by the customer's 5 within the window reaches journeys once, as a 5", async () => {
    await h.send(
      customerUpserted('settling', { timezone: 'Europe/Paris', consent: { marketing: true } }),
      orderPlaced('settling', 'o-settling'),
    );
    await h.env.sleep(86_400_000);
    await h.send(orderEvent('order.delivered', 'settling', 'o-settling'));
    expect(await h.workflow('post-purchase-checkin', 'settling', 'order:o-settling').result()).toBe('completed');
    const checkin = (await h.messages('checkin')).find((message) => message.toAddress === 'settling@example.com');
    const base = testActivityConfig.publicUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const link = (score: number) =>
      [...(checkin?.html ?? '').matchAll(new RegExp(`href="${base}(/s/[^"]+)"[^>]*>(\\d+)<`, 'g'))].find(
        (match) => match[2] === String(score),
      )?.[1] as string;
    const post = (score: number) =>
      app.inject({
        method: 'POST',
        url: link(score),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `score=${score}`,
      });

    expect((await post(1)).statusCode).toBe(200); // the scanner, running the page's script
    expect((await post(5)).statusCode).toBe(200); // the customer, a moment later
    const eventId = `survey.answered:${checkin?.id}`;
    expect(await h.db.event.count({ where: { id: eventId } })).toBe(0); // nobody told yet

    await h.env.sleep(SETTLE_MS + 60_000);
    const event = await h.until(() => h.db.event.findUnique({ where: { id: eventId } }), 3_600_000, 30_000);
    expect(event.properties).toMatchObject({ kind: 'csat', score: 5 });
    expect(await h.db.event.count({ where: { type: 'survey.answered', customer: { externalId: 'settling' } } })).toBe(1);
    await h.until(() => h.db.enrollment.findFirst({ where: { journeyKey: 'review-request', customer: { externalId: 'settling' } } }));
    expect(await h.db.enrollment.count({ where: { journeyKey: 'service-recovery', customer: { externalId: 'settling' } } })).toBe(0);
  });
});
