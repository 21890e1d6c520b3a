// A small synthetic business so that a newcomer's first `npm start` shows the product working:
// customers in several time zones and locales with regular, lapsing and one-off order histories,
// dated relative to now and routed like real traffic, so recent orders start check-ins, lapsed
// customers are found by the inactivity sweep, one unhappy survey answer starts a service recovery
// with its alert, and a churn scoring run leaves every customer with a score and its reasons.
// Deterministic (seeded) apart from the dates, and loaded through the same ingestion path as real events.
import type { Client } from '@temporalio/client';
import { createRandom } from '../core/churn/synthetic.ts';
import type { RouteEvents } from '../core/routing/ports.ts';
import { ingestEvents } from '../ingestion/ingest.ts';
import { emitInternalEvent } from '../ingestion/internal-events.ts';
import type { Database } from '../runtime/database.ts';
import type { Logger } from '../runtime/logger.ts';
import type { churnScoringWorkflow } from '../workflows/churn-scoring.ts';
import type { inactivitySweepWorkflow } from '../workflows/inactivity-sweep.ts';

const firstNames = [
  'Ada',
  'Grace',
  'Linus',
  'Margaret',
  'Alan',
  'Hedy',
  'Tim',
  'Radia',
  'Ken',
  'Barbara',
  'Edsger',
  'Frances',
  'Dennis',
  'Katherine',
  'Claude',
  'Anita',
];
const lastNames = [
  'Lovelace',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Turing',
  'Lamarr',
  'Berners-Lee',
  'Perlman',
  'Thompson',
  'Liskov',
  'Dijkstra',
  'Allen',
  'Ritchie',
  'Johnson',
  'Shannon',
  'Borg',
];
const places = [
  { timezone: 'Europe/London', locale: 'en-GB', currency: 'GBP' },
  { timezone: 'Europe/Paris', locale: 'fr-FR', currency: 'EUR' },
  { timezone: 'America/New_York', locale: 'en-US', currency: 'USD' },
  { timezone: 'America/Los_Angeles', locale: 'en-US', currency: 'USD' },
  { timezone: 'Europe/Berlin', locale: 'de-DE', currency: 'EUR' },
  { timezone: 'America/Toronto', locale: 'fr-CA', currency: 'CAD' },
  { timezone: 'Asia/Tokyo', locale: 'en-GB', currency: 'JPY' },
  { timezone: 'Australia/Sydney', locale: 'en-AU', currency: 'AUD' },
];
const products = [
  { name: 'Linen shirt', price: 49 },
  { name: 'Canvas tote', price: 25 },
  { name: 'Wool socks', price: 12 },
  { name: 'Rain jacket', price: 129 },
  { name: 'Leather belt', price: 39 },
  { name: 'Cotton tee', price: 19 },
];

export type DemoOptions = { customers?: number; now?: Date; seed?: number };

export function demoEvents({ customers = 60, now = new Date(), seed = 42 }: DemoOptions = {}): unknown[] {
  const random = createRandom(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
  const day = 24 * 60 * 60 * 1000;
  const events: unknown[] = [];
  for (let i = 0; i < customers; i++) {
    const customerId = `demo-${String(i + 1).padStart(3, '0')}`;
    const first = pick(firstNames);
    const last = pick(lastNames);
    const place = pick(places);
    const joined = now.getTime() - (60 + Math.floor(random() * 480)) * day;
    events.push({
      id: `${customerId}-profile`,
      type: 'customer.upserted',
      customerId,
      occurredAt: new Date(joined).toISOString(),
      properties: {
        email: `${first}.${last}.${i + 1}@example.com`.toLowerCase(),
        name: `${first} ${last}`,
        locale: place.locale,
        timezone: place.timezone,
        consent: { marketing: random() < 0.8 },
        attributes: { plan: pick(['basic', 'plus', 'pro']) },
      },
    });
    // Three kinds of customer: regulars, regulars who lapsed, and one-off buyers.
    const kind = random();
    const rhythmDays = 14 + Math.floor(random() * 60);
    const stopAt = kind < 0.45 ? now.getTime() - 2 * day : kind < 0.8 ? now.getTime() - (90 + random() * 120) * day : joined + day;
    let at = joined;
    let n = 0;
    while (at < stopAt && n < 40) {
      const items = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
        const product = pick(products);
        return { name: product.name, quantity: 1 + Math.floor(random() * 2), price: product.price };
      });
      const total = items.reduce((sum, item) => sum + item.price * item.quantity, 0);
      const orderId = `${customerId}-o${++n}`;
      events.push({
        id: `${orderId}-placed`,
        type: 'order.placed',
        customerId,
        occurredAt: new Date(at).toISOString(),
        properties: { orderId, total, currency: place.currency, items },
      });
      at += rhythmDays * day * (0.6 + random() * 0.8);
    }
  }
  return events;
}

/**
 * Loads the demo business; returns how many events were stored. Safe to run twice. With `route` the
 * events start journeys as real traffic would (orders of the last week start check-ins).
 */
export async function seedDemoBusiness(db: Database, options: DemoOptions & { route?: RouteEvents | null } = {}): Promise<number> {
  const events = [...demoEvents(options), ...unhappyCustomerEvents(options.now ?? new Date())];
  let accepted = 0;
  for (let i = 0; i < events.length; i += 500) {
    const results = await ingestEvents({ db, route: options.route ?? null }, events.slice(i, i + 500));
    accepted += results.filter((result) => result.status === 'accepted').length;
  }
  return accepted;
}

const UNHAPPY_CUSTOMER = 'demo-unhappy';
const UNHAPPY_ORDER = 'demo-unhappy-o4';

/**
 * A customer whose order arrived three days ago, placed in whichever of the demo's time zones is in
 * the afternoon now, so that the apology of their service recovery is not held by quiet hours and
 * reaches the outbox while a newcomer is looking.
 */
function unhappyCustomerEvents(now: Date): unknown[] {
  const day = 86_400_000;
  const localHour = (timezone: string) =>
    Number(new Intl.DateTimeFormat('en-GB', { hour: 'numeric', hourCycle: 'h23', timeZone: timezone }).format(now));
  const place = places.find((candidate) => localHour(candidate.timezone) >= 11 && localHour(candidate.timezone) < 18) ?? places[0];
  if (!place) return [];
  const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * day).toISOString();
  return [
    {
      id: `${UNHAPPY_CUSTOMER}-profile`,
      type: 'customer.upserted',
      customerId: UNHAPPY_CUSTOMER,
      occurredAt: at(200),
      properties: {
        email: 'sam.rivera@example.com',
        name: 'Sam Rivera',
        locale: place.locale,
        timezone: place.timezone,
        consent: { marketing: true },
        attributes: { plan: 'pro' },
      },
    },
    ...[180, 120, 60, 6].map((daysAgo, index) => ({
      id: `demo-unhappy-o${index + 1}-placed`,
      type: 'order.placed',
      customerId: UNHAPPY_CUSTOMER,
      occurredAt: at(daysAgo),
      properties: {
        orderId: `demo-unhappy-o${index + 1}`,
        total: 129,
        currency: place.currency,
        items: [{ name: 'Rain jacket', quantity: 1, price: 129 }],
      },
    })),
    {
      id: `${UNHAPPY_ORDER}-delivered`,
      type: 'order.delivered',
      customerId: UNHAPPY_CUSTOMER,
      occurredAt: at(3),
      properties: { orderId: UNHAPPY_ORDER },
    },
  ];
}

export type DemoSummary = { events: number; scored: number; inactive: number };

/**
 * The first embedded start's demo: the business's history routed like real traffic, one detractor's
 * answer, the inactivity sweep and a churn scoring run, each run once now rather than at night.
 */
export async function runDemo(deps: {
  db: Database;
  client: Client;
  route: RouteEvents;
  taskQueue: string;
  logger: Logger;
}): Promise<DemoSummary> {
  const { db, client, route, taskQueue, logger } = deps;
  const now = new Date();
  const events = await seedDemoBusiness(db, { now, route });
  const unhappy = await db.customer.findUnique({ where: { externalId: UNHAPPY_CUSTOMER }, select: { id: true } });
  if (unhappy) {
    // The answer the check-in of that order would have brought back: it starts a service recovery.
    await emitInternalEvent(db, route, {
      id: `survey.answered:${UNHAPPY_ORDER}:demo`,
      type: 'survey.answered',
      customerRowId: unhappy.id,
      occurredAt: now,
      properties: { kind: 'csat', score: 1, orderId: UNHAPPY_ORDER, journeyKey: 'post-purchase-checkin', stepId: 'checkin-email' },
    });
  }
  const stamp = now.toISOString().slice(0, 19).replace(/\D/g, '');
  const sweep = await client.workflow.execute<typeof inactivitySweepWorkflow>('inactivitySweepWorkflow', {
    workflowId: `aftercare-demo-inactivity-sweep-${stamp}`,
    taskQueue,
    args: [],
  });
  const scoring = await client.workflow.execute<typeof churnScoringWorkflow>('churnScoringWorkflow', {
    workflowId: `aftercare-demo-churn-scoring-${stamp}`,
    taskQueue,
    args: [{}],
  });
  logger.info({ events, inactive: sweep.emitted, scored: scoring.scored }, 'demo business loaded');
  return { events, scored: scoring.scored, inactive: sweep.emitted };
}
