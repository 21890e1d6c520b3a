// A customer's churn score is refreshed after each of their orders, through the router (so an event
// routed again refreshes harmlessly), with the latest fitted model; it reads the signals a success
// manager would (orders, open tickets, refunds, detractor answers, the business's own score), stores each
// factor's contribution and the reasons, and announces band changes but not first scores.
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChurnRefresher } from '../../churn/refresh.ts';
import { DEFAULT_CHURN_SCORING_CONFIG } from '../../churn/scoring.ts';
import type { RoutableEvent } from '../../core/routing/ports.ts';
import { EventRouter } from '../../ingestion/event-router.ts';
import { ingestEvents } from '../../ingestion/ingest.ts';
import { temporalJourneyDispatcher } from '../../workflow-client/journey-dispatcher.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { customerUpserted, orderPlaced } from '../support/events.ts';
import { devServerClient, uniqueTaskQueue } from '../support/temporal.ts';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

describe('the churn score after an order', () => {
  let database: TestDatabase;
  let temporal: { client: Client; close(): Promise<void> };
  let router: EventRouter;
  const send = (...events: unknown[]) => ingestEvents({ db: database.db, route: router.routeEvents }, events);
  const score = (externalId: string) => database.db.churnScore.findFirstOrThrow({ where: { customer: { externalId } } });
  const history = (externalId: string) =>
    database.db.churnScoreHistory.findMany({ where: { customer: { externalId } }, orderBy: { computedAt: 'asc' } });
  const bandEvents = (externalId: string) =>
    database.db.event.findMany({ where: { type: 'churn_band.changed', customer: { externalId } }, orderBy: { occurredAt: 'asc' } });
  /** The stored `order.placed` event of an order, as the router receives it. */
  async function storedOrderEvent(orderId: string): Promise<RoutableEvent> {
    const row = await database.db.event.findFirstOrThrow({
      where: { type: 'order.placed', properties: { path: ['orderId'], equals: orderId } },
      include: { customer: true },
    });
    return {
      id: row.id,
      type: row.type,
      customerId: row.customer.externalId,
      customerRowId: row.customerId,
      occurredAt: row.occurredAt,
      properties: row.properties as Record<string, unknown>,
    };
  }

  beforeAll(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(), devServerClient()]);
    router = new EventRouter(database.db, temporalJourneyDispatcher(temporal.client, uniqueTaskQueue('churn-refresh')), {
      churn: createChurnRefresher(database.db, { config: DEFAULT_CHURN_SCORING_CONFIG }),
    });
  });

  afterAll(async () => {
    await temporal?.close();
    await database?.drop();
  });

  it('gives a first order a first score, with a history row and no band-change event', async () => {
    await send(customerUpserted('first-timer'), orderPlaced('first-timer', 'ft-1'));
    const event = await storedOrderEvent('ft-1');
    const first = await score('first-timer');
    // Before any scoring run: the fallback, the BG/NBD P(no order in 90 days) on the CDNOW parameters.
    // Most first-time buyers of such a business do not order again within 90 days: high.
    expect(first).toMatchObject({ band: 'high', source: 'model', computedBy: `order:${event.id}` });
    expect(first.pAlive).toBe(1);
    expect(first.expectedOrders90).toBeGreaterThan(0);
    expect((first.factors as { factor: string }[]).map((f) => f.factor)).toEqual([
      'baseline',
      'dropout',
      'quiet',
      'overdue',
      'frequency',
      'tenure',
      'detractor',
      'tickets',
      'refunds',
      'engagement',
    ]);
    expect(await history('first-timer')).toHaveLength(1);
    expect(await bandEvents('first-timer')).toEqual([]);
  });

  it('moves a lapsed regular down a band when they order again, and announces the change once', async () => {
    // Every 30 days, then quiet for 110: three gaps overdue.
    await send(customerUpserted('regular'), ...[200, 170, 140, 110].map((days, i) => orderPlaced('regular', `reg-${i}`, {}, ago(days))));
    const lapsed = await score('regular');
    expect(lapsed.band).toBe('high');
    expect((lapsed.reasons as string[])[0]).toMatch(/^Expected to place 0\.\d orders in the next 90 days \(\d+% chance of any\)$/);
    const points = (lapsed.factors as { points: number }[]).reduce((sum, f) => sum + f.points, 0);
    expect(Math.round(points * 10) / 10).toBe(lapsed.modelScore);

    await send(orderPlaced('regular', 'reg-now'));
    const back = await score('regular');
    expect(back.score).toBeLessThan(lapsed.score - 20);
    expect(back.band).toBe('medium');
    const events = await bandEvents('regular');
    expect(events).toHaveLength(1);
    const orderEvent = await storedOrderEvent('reg-now');
    expect(events[0]?.id).toBe(`churn_band.changed:${back.customerId}:medium:order:${orderEvent.id}`);
    expect(events[0]?.properties).toEqual({ from: 'high', to: 'medium', score: back.score });
    expect(events[0]?.routedAt).not.toBeNull();
    expect(await history('regular')).toHaveLength(2);

    // The same order routed again (the sweeper after a failure): nothing new.
    await router.route([orderEvent]);
    expect(await bandEvents('regular')).toHaveLength(1);
    expect(await history('regular')).toHaveLength(2);
  });

  it('uses the latest fitted model: its typical gap and its weights', async () => {
    const features = ['noOrderLogit', 'expectedOrdersLog', 'dropout', 'recencyLog', 'overdueLogRatio', 'frequencyLog', 'tenureLog'];
    const signals = ['detractor', 'openTickets', 'refunds', 'engagementDrop'];
    const zeros = Object.fromEntries([...features, ...signals].map((name) => [name, 0]));
    // Weights that count only how overdue a customer is against their rhythm, and the service signals'
    // documented priors (as a backtest without enough answers, tickets or refunds keeps them).
    const riskModel = {
      source: 'backtest',
      reason: 'test',
      horizonDays: 90,
      intercept: 0,
      weights: { ...zeros, overdueLogRatio: 1, detractor: 1, openTickets: 0.3, refunds: 0.3, engagementDrop: 0.7 },
      means: zeros,
      priorFeatures: signals,
    };
    await database.db.churnModel.create({
      data: {
        id: 'run:test/older',
        params: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
        source: 'fit',
        reason: 'test',
        customers: 1000,
        repeatBuyers: 400,
        sampled: 1000,
        typicalGapDays: 90,
        fittedAt: ago(2),
      },
    });
    await database.db.churnModel.create({
      data: {
        id: 'run:test/latest',
        params: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
        source: 'fit',
        reason: 'test',
        customers: 1000,
        repeatBuyers: 400,
        sampled: 1000,
        typicalGapDays: 20,
        fittedAt: ago(1),
        riskModel,
      },
    });
    // A one-order customer is measured against the business's typical gap between orders (20 days here).
    await send(customerUpserted('one-timer'), orderPlaced('one-timer', 'one-1', {}, ago(80)));
    const result = await score('one-timer');
    expect(result.reasons as string[]).toEqual(['Only one order, 80 days ago; repeat customers usually reorder within 20 days']);
    // ln(81 / 21) log-odds above an even chance: 79.4
    expect(result.modelScore).toBeCloseTo(100 / (1 + 21 / 81), 1);
  });

  it('reads open tickets, recent refunds and detractor answers, and keeps the external score beside', async () => {
    // A regular (every 10 days), so that the model itself sees little risk.
    await send(
      customerUpserted('unhappy'),
      ...[100, 90, 80, 70, 60, 50, 30, 20, 10].map((days) => orderPlaced('unhappy', `un-${days}`, {}, ago(days))),
      orderPlaced('unhappy', 'un-1', {}, ago(40)),
      ...[
        ['support.ticket_opened', 'T1', 10],
        ['support.ticket_closed', 'T1', 9],
        ['support.ticket_opened', 'T2', 5],
        ['order.refunded', null, 30],
        ['order.refunded', null, 200], // more than 90 days ago: does not count
        ['churn_score.reported', null, 2],
      ].map(([type, ticketId, days], i) => ({
        id: `unhappy-${i}`,
        type,
        customerId: 'unhappy',
        occurredAt: ago(days as number).toISOString(),
        properties:
          type === 'order.refunded' ? { orderId: 'un-1' } : type === 'churn_score.reported' ? { score: 85, source: 'crm' } : { ticketId },
      })),
    );
    const customer = await database.db.customer.findUniqueOrThrow({ where: { externalId: 'unhappy' } });
    const message = await database.db.message.create({
      data: { customerId: customer.id, template: 'checkin', locale: 'en', surveyKind: 'csat', status: 'sent' },
    });
    await database.db.surveyResponse.create({
      data: { messageId: message.id, customerId: customer.id, kind: 'csat', score: 1, answeredAt: ago(3) },
    });
    await send(orderPlaced('unhappy', 'un-2'));

    const result = await score('unhappy');
    const points = Object.fromEntries((result.factors as { factor: string; points: number }[]).map((f) => [f.factor, f.points]));
    // The documented prior weights (log-odds): a CSAT 1 is 1.0, an open ticket and a refund 0.3 each.
    expect(points.engagement).toBe(0);
    expect(points.tickets).toBeGreaterThan(3);
    expect(points.refunds).toBe(points.tickets);
    expect(points.detractor).toBeCloseTo((points.tickets as number) / 0.3, -0.5);
    expect(result.reasons).toEqual([
      'Rated their last order 1 out of 5',
      '1 open support ticket opened 5 days ago',
      '1 refund in the last 90 days',
    ]);
    // The model's score is in force (the default precedence); the business's own is kept beside it.
    expect(result).toMatchObject({ source: 'model', externalScore: 85, externalSource: 'crm' });
    expect(result.score).toBe(result.modelScore);
  });

  it('lets the external score take precedence when configured', async () => {
    const order = await storedOrderEvent('un-2');
    await createChurnRefresher(database.db, { config: { ...DEFAULT_CHURN_SCORING_CONFIG, precedence: 'external' } }).refresh([order]);
    const external = await score('unhappy');
    expect(external).toMatchObject({ score: 85, band: 'high', source: 'external', externalScore: 85 });
    expect((external.reasons as string[])[0]).toBe('Scored 85 out of 100 by crm');

    await createChurnRefresher(database.db, { config: { ...DEFAULT_CHURN_SCORING_CONFIG, precedence: 'higher' } }).refresh([order]);
    const higher = await score('unhappy');
    expect(higher.score).toBe(Math.max(85, higher.modelScore ?? 0));

    // Thresholds are configurable too: with high from 90, 85 is medium.
    await createChurnRefresher(database.db, {
      config: { thresholds: { medium: 50, high: 90 }, precedence: 'external' },
    }).refresh([order]);
    expect((await score('unhappy')).band).toBe('medium');
  });

  it('never lets an older computation replace a newer score', async () => {
    const before = await score('unhappy');
    const order = await storedOrderEvent('un-2');
    await createChurnRefresher(database.db, { clock: () => ago(1) }).refresh([order]);
    expect(await score('unhappy')).toEqual(before);
  });
});
