// What the churn-risk score reads about a set of customers, loaded with one set-based query per kind of
// signal (a page of 1,000 customers costs six round trips, whatever their histories):
//
// | signal          | source                                                                          |
// | --------------- | ------------------------------------------------------------------------------- |
// | order rhythm    | `Order.placedAt`, collapsed to UTC calendar days up to the day of `at`           |
// | survey answers  | `SurveyResponse` (CSAT / NPS) answered in the last 90 days                        |
// | open tickets    | `support.ticket_opened` events without a later `support.ticket_closed` (by id)   |
// | refunds         | `order.refunded` events in the last 90 days (a partial refund counts as one)     |
// | external score  | the latest `ExternalChurnScore` (from `churn_score.reported`), with its source   |
// | spend           | mean amount (total - refunded) of the repeat order days, the first day excluded  |
// | email engagement| Resend's `email.opened` / `email.clicked` deliveries (`WebhookDelivery`, by     |
// |                 | `emailId`) attributed to the customer through their `Message` (`providerId`):   |
// |                 | the messages opened and the messages clicked in the last 30 days against the    |
// |                 | 30 days before. A message counts once per kind and window, however often a link |
// |                 | scanner or a reader opens it again                                               |
//
// Days are UTC calendar days, as in core/churn/risk.ts: everything dated on or before the calendar day of
// `at` counts, so a score is a function of the day it is computed on.
import { HORIZON_DAYS } from '../core/churn/customer-forecast.ts';
import type { OrderRhythm } from '../core/churn/order-rhythm.ts';
import type { EmailEngagement, ExternalScore, OpenTicket, Refund, SurveyAnswer } from '../core/churn/risk-score.ts';
import type { Database } from '../runtime/database.ts';

const DAY_MS = 86_400_000;
/** The email engagement windows: the last 30 days against the 30 days before. */
export const ENGAGEMENT_WINDOW_DAYS = 30;

export type CustomerSignals = {
  customerRowId: string;
  externalId: string;
  rhythm: OrderRhythm | null;
  /** Mean amount of the repeat order days (total - refunded, first day excluded); null without a repeat day. */
  meanRepeatSpend: number | null;
  /** Null when no email of theirs was opened or clicked in the two windows. */
  email: EmailEngagement | null;
  surveys: SurveyAnswer[];
  openTickets: OpenTicket[];
  refunds: Refund[];
  external: ExternalScore | null;
};

/** The UTC calendar day (days since 1970-01-01) of an instant. */
export const utcDay = (at: Date) => Math.floor(at.getTime() / DAY_MS);

/** The signals of these customers (by row id) as of `at`; unknown ids are left out. Sorted by row id as given. */
export async function loadCustomerSignals(db: Database, customerRowIds: readonly string[], at: Date): Promise<CustomerSignals[]> {
  if (customerRowIds.length === 0) return [];
  const ids = [...customerRowIds];
  const today = utcDay(at);
  // Everything up to the end of the day of `at`, the lookbacks from the start of the day 90 days before.
  const endOfToday = new Date((today + 1) * DAY_MS).toISOString();
  const lookbackStart = new Date((today - HORIZON_DAYS) * DAY_MS).toISOString();

  const recentStart = new Date((today + 1 - ENGAGEMENT_WINDOW_DAYS) * DAY_MS).toISOString();
  const previousStart = new Date((today + 1 - 2 * ENGAGEMENT_WINDOW_DAYS) * DAY_MS).toISOString();

  const [customers, orders, surveys, tickets, refunds, externals, engagement] = await Promise.all([
    db.$queryRaw<{ id: string; externalId: string }[]>`
      SELECT "id", "externalId" FROM "Customer" WHERE "id" = ANY(${ids}::text[])`,
    db.$queryRaw<{ customerId: string; days: number; first: number; last: number; meanRepeatSpend: number | null }[]>`
      SELECT "customerId", count(*)::int AS days, min(d)::int AS first, max(d)::int AS last,
             CASE WHEN count(*) > 1 THEN ((sum(t) - (array_agg(t ORDER BY d))[1]) / (count(*) - 1))::float8 END AS "meanRepeatSpend"
      FROM (SELECT "customerId", floor(extract(epoch FROM "placedAt") / 86400)::int AS d, sum("total" - "refundedAmount") AS t
            FROM "Order" WHERE "customerId" = ANY(${ids}::text[]) AND "placedAt" < ${endOfToday}::timestamptz
            GROUP BY 1, 2) o
      GROUP BY 1`,
    db.$queryRaw<{ customerId: string; kind: string; score: number; answeredAt: Date }[]>`
      SELECT "customerId", "kind", "score", "answeredAt" FROM "SurveyResponse"
      WHERE "customerId" = ANY(${ids}::text[]) AND "kind" IN ('csat', 'nps')
        AND "answeredAt" >= ${lookbackStart}::timestamptz
        AND "answeredAt" < ${endOfToday}::timestamptz`,
    // A ticket is open when it was opened and not closed since its last opening (a reopened ticket is open).
    db.$queryRaw<{ customerId: string; openedAt: Date; severity: string | null }[]>`
      SELECT "customerId", opened AS "openedAt", severity FROM (
        SELECT "customerId", properties->>'ticketId' AS ticket,
               min("occurredAt") FILTER (WHERE type = 'support.ticket_opened') AS opened,
               max("occurredAt") FILTER (WHERE type = 'support.ticket_opened') AS last_opened,
               max("occurredAt") FILTER (WHERE type = 'support.ticket_closed') AS closed,
               (array_agg(properties->>'severity' ORDER BY "occurredAt" DESC) FILTER (WHERE type = 'support.ticket_opened'))[1] AS severity
        FROM "Event"
        WHERE "customerId" = ANY(${ids}::text[]) AND type IN ('support.ticket_opened', 'support.ticket_closed')
          AND "occurredAt" < ${endOfToday}::timestamptz
        GROUP BY 1, 2) t
      WHERE opened IS NOT NULL AND (closed IS NULL OR last_opened > closed)`,
    db.$queryRaw<{ customerId: string; occurredAt: Date; amount: string | null }[]>`
      SELECT "customerId", "occurredAt", properties->>'amount' AS amount FROM "Event"
      WHERE "customerId" = ANY(${ids}::text[]) AND type = 'order.refunded'
        AND "occurredAt" >= ${lookbackStart}::timestamptz
        AND "occurredAt" < ${endOfToday}::timestamptz`,
    db.$queryRaw<{ customerId: string; source: string; score: number; reportedAt: Date }[]>`
      SELECT DISTINCT ON ("customerId") "customerId", "source", "score", "reportedAt" FROM "ExternalChurnScore"
      WHERE "customerId" = ANY(${ids}::text[]) AND "reportedAt" < ${endOfToday}::timestamptz
      ORDER BY "customerId", "reportedAt" DESC, "id"`,
    db.$queryRaw<{ customerId: string; recent: number; previous: number }[]>`
      SELECT m."customerId",
             count(DISTINCT (m."id", w."type")) FILTER (WHERE w."receivedAt" >= ${recentStart}::timestamptz)::int AS recent,
             count(DISTINCT (m."id", w."type")) FILTER (WHERE w."receivedAt" < ${recentStart}::timestamptz)::int AS previous
      FROM "Message" m JOIN "WebhookDelivery" w ON w."emailId" = m."providerId"
      WHERE m."customerId" = ANY(${ids}::text[]) AND w."type" IN ('email.opened', 'email.clicked')
        AND w."receivedAt" >= ${previousStart}::timestamptz AND w."receivedAt" < ${endOfToday}::timestamptz
      GROUP BY 1`,
  ]);

  const signals = new Map<string, CustomerSignals>();
  const externalIds = new Map(customers.map((row) => [row.id, row.externalId]));
  for (const id of ids) {
    const externalId = externalIds.get(id);
    if (externalId === undefined || signals.has(id)) continue;
    signals.set(id, {
      customerRowId: id,
      externalId,
      rhythm: null,
      meanRepeatSpend: null,
      email: null,
      surveys: [],
      openTickets: [],
      refunds: [],
      external: null,
    });
  }
  for (const row of orders) {
    const s = signals.get(row.customerId);
    if (!s) continue;
    s.rhythm = { orderDays: row.days, daysSinceFirstOrder: today - row.first, daysSinceLastOrder: today - row.last };
    s.meanRepeatSpend = row.meanRepeatSpend === null ? null : Number(row.meanRepeatSpend);
  }
  for (const row of engagement) {
    const s = signals.get(row.customerId);
    if (s) s.email = { recent: row.recent, previous: row.previous, windowDays: ENGAGEMENT_WINDOW_DAYS };
  }
  for (const row of surveys) {
    signals.get(row.customerId)?.surveys.push({ kind: row.kind as 'csat' | 'nps', score: row.score, at: row.answeredAt });
  }
  for (const row of tickets) {
    signals
      .get(row.customerId)
      ?.openTickets.push(row.severity ? { openedAt: row.openedAt, severity: row.severity } : { openedAt: row.openedAt });
  }
  for (const row of refunds) {
    const amount = row.amount === null ? Number.NaN : Number(row.amount);
    signals.get(row.customerId)?.refunds.push(Number.isFinite(amount) ? { at: row.occurredAt, amount } : { at: row.occurredAt });
  }
  for (const row of externals) {
    const s = signals.get(row.customerId);
    if (s) s.external = { score: Number(row.score), source: row.source, at: row.reportedAt };
  }
  return [...signals.values()];
}
