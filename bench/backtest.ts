// The backtest of a draft over 100,000 customers x 30 days of stored history (three events each, a
// marketing email from another journey for one in three), streamed from a scratch database, against the
// plain simulator in the same run: the same draft simulated for as many enrollments, in memory. The ratio
// is the backtest's cost per enrollment (reading the history, routing, caps) over the simulator's.
import type { JourneyDefinition } from '../core/journey/definition.ts';
import { validateJourneyDefinition } from '../core/journey/definition.ts';
import { simulate } from '../core/journey/simulator.ts';
import { defaultPolicies } from '../core/policy/send-policy.ts';
import { runBacktest } from '../journey-store/backtest.ts';
import { createDatabase } from '../runtime/database.ts';
import { createBenchDatabase } from './bench-database.ts';
import { fmt } from './stats.ts';

const CUSTOMERS = Number(process.env.BENCH_BACKTEST_CUSTOMERS ?? 100_000);
const DAYS = 30;
const DAY_MS = 86_400_000;

const checked = validateJourneyDefinition({
  key: 'bench-offer',
  name: 'Offer after an order',
  trigger: { event: 'order.placed' },
  entity: 'order',
  category: 'marketing',
  goal: { event: 'review.submitted', within: 'P14D' },
  exitEvents: ['order.refunded'],
  steps: [
    { id: 'next-day', wait: { duration: 'P1D' } },
    { id: 'morning', waitUntil: { from: '10:00', to: '12:00' } },
    { id: 'offer', send: { template: 'winback-offer' } },
    { id: 'later', wait: { duration: 'P5D' } },
    { id: 'reminder', send: { template: 'winback-offer' } },
  ],
});
if (!checked.ok) throw new Error(`bench draft is invalid: ${JSON.stringify(checked.errors)}`);
const draft: JourneyDefinition = checked.definition;

export async function benchBacktest(): Promise<Record<string, number>> {
  const database = await createBenchDatabase();
  const db = createDatabase(database.url, 4);
  try {
    const now = Date.now();
    const loadStart = performance.now();
    const minutes = DAYS * 24 * 60;
    await db.$executeRawUnsafe(`
      INSERT INTO "Customer" ("id", "externalId", "email", "timezone", "consent", "orderCount", "updatedAt")
      SELECT 'c' || lpad(g::text, 7, '0'), 'bench-' || g, 'bench-' || g || '@example.com',
             (ARRAY['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo'])[1 + g % 4],
             CASE WHEN g % 10 = 0 THEN '{}'::jsonb ELSE '{"marketing": true}'::jsonb END, 2, now()
        FROM generate_series(1, ${CUSTOMERS}) g`);
    // Two orders (one refunded for a customer in seven) and a visit in the last 30 days; a review for one in five.
    await db.$executeRawUnsafe(`
      INSERT INTO "Event" ("id", "type", "customerId", "occurredAt", "properties")
      SELECT 'e' || g || '-' || k,
             CASE k WHEN 3 THEN (CASE WHEN g % 7 = 0 THEN 'order.refunded' WHEN g % 5 = 0 THEN 'review.submitted' ELSE 'customer.active' END)
                    ELSE 'order.placed' END,
             'c' || lpad(g::text, 7, '0'),
             to_timestamp(${now / 1000}) - (((g * 7919 + k * 104729) % ${minutes}) || ' minutes')::interval,
             jsonb_build_object('orderId', 'o' || g || '-' || (CASE k WHEN 3 THEN 1 ELSE k END), 'total', 40 + g % 60)
        FROM generate_series(1, ${CUSTOMERS}) g, generate_series(1, 3) k`);
    await db.$executeRawUnsafe(`
      INSERT INTO "Message" ("id", "customerId", "template", "locale", "category", "status", "createdAt", "sentAt", "updatedAt")
      SELECT 'm' || g, 'c' || lpad(g::text, 7, '0'), 'winback', 'en', 'marketing', 'sent', t, t, now()
        FROM (SELECT g, to_timestamp(${now / 1000}) - (((g * 31) % ${minutes}) || ' minutes')::interval AS t
                FROM generate_series(1, ${CUSTOMERS}, 3) g) AS sent`);
    await db.$executeRawUnsafe('ANALYZE');
    const loadSeconds = (performance.now() - loadStart) / 1000;

    const t0 = performance.now();
    const result = await runBacktest(db, { definition: draft, days: DAYS, now, policies: defaultPolicies, defaultTimezone: 'UTC' });
    const seconds = (performance.now() - t0) / 1000;

    // Baseline: the plain simulator, the same draft, as many enrollments, each with a later event.
    const zones = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo'];
    const baselineEnrollments = Math.min(result.enrollments, 50_000);
    const s0 = performance.now();
    for (let i = 0; i < baselineEnrollments; i++) {
      const start = now - DAYS * DAY_MS + ((i * 7919) % (DAYS * 1440)) * 60_000;
      simulate({
        definition: draft,
        customer: { timezone: zones[i % 4] as string, consent: { marketing: true } },
        start,
        days: (now - start) / DAY_MS,
        events: [{ at: start + 3 * DAY_MS, type: 'customer.active', properties: { orderId: 'x' } }],
        messageHistory: i % 3 === 0 ? [start - 3_600_000] : [],
        policies: defaultPolicies,
      });
    }
    const simulatorMsPerEnrollment = (performance.now() - s0) / baselineEnrollments;
    const backtestMsPerEnrollment = (seconds * 1000) / Math.max(1, result.enrollments);

    console.log(
      `backtest   a draft over ${fmt(CUSTOMERS, 0)} customers x ${DAYS} days (${fmt(CUSTOMERS * 3, 0)} events, loaded in ${fmt(loadSeconds)} s)`,
    );
    console.log(
      `  backtest  ${fmt(seconds, 2)} s: ${fmt(result.enrollments, 0)} enrollments, ${fmt(result.messages, 0)} messages, ${fmt(
        (seconds * 1e6) / CUSTOMERS,
        0,
      )} us per customer, ${fmt(backtestMsPerEnrollment * 1000, 0)} us per enrollment`,
    );
    console.log(`  baseline  the plain simulator, same draft: ${fmt(simulatorMsPerEnrollment * 1000, 0)} us per enrollment`);
    console.log(`  ratio     ${fmt(backtestMsPerEnrollment / simulatorMsPerEnrollment, 2)} (backtest / simulator, per enrollment)`);
    return {
      'backtest.seconds': seconds,
      'backtest.customers': CUSTOMERS,
      'backtest.us_per_customer': (seconds * 1e6) / CUSTOMERS,
      'backtest.simulator_us_per_enrollment': simulatorMsPerEnrollment * 1000,
      'backtest.ratio': backtestMsPerEnrollment / simulatorMsPerEnrollment,
    };
  } finally {
    await db.$disconnect();
    await database.drop();
  }
}
