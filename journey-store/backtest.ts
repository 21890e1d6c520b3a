// The backtest's shell: streams the customers from the database in pages (keyset on the customer id),
// each page with the customers' events of the window, the messages other journeys really sent them
// (from as far back as a cap reaches) and their suppression, and hands every customer to the pure
// backtest (core/journey/backtest.ts). Memory holds one page, whatever the number of customers; the
// next page is read while the current one is replayed. It reads, and writes nothing.
// Beside it, the real figures of the journey's published version over the same window, from its
// enrollments and step logs, so that a draft can be read against what really happened.
import {
  addCustomer,
  type BacktestCustomer,
  type BacktestFigures,
  type BacktestResult,
  type BacktestWindow,
  backtestResult,
  emptyTotals,
  type SentMessage,
} from '../core/journey/backtest.ts';
import { asChurnBand, type JourneyDefinition } from '../core/journey/definition.ts';
import { capLookbackMs, type SendPolicies } from '../core/policy/send-policy.ts';
import { countedStatuses } from '../messaging/cap-history.ts';
import type { Database } from '../runtime/database.ts';
import { cacheZoneOffsets } from '../runtime/zone-offset-cache.ts';

const DAY_MS = 86_400_000;
export const DEFAULT_BACKTEST_PAGE = 1_000;

export type BacktestRequest = {
  definition: JourneyDefinition;
  days: number;
  /** The window ends here (the request's clock). */
  now: number;
  policies: SendPolicies;
  /** The business's default time zone: customers without one, and the days of `perDay`. */
  defaultTimezone: string;
  pageSize?: number;
};

type EventRow = { id: string; customerId: string; type: string; occurredAt: Date; properties: unknown };
type MessageRow = { customerId: string; at: Date; category: string; surveyKind: string | null };

export function backtestWindow(request: BacktestRequest): BacktestWindow {
  return {
    definition: request.definition,
    from: request.now - request.days * DAY_MS,
    to: request.now,
    policies: request.policies,
    zone: request.defaultTimezone,
  };
}

/** The draft replayed over the last `days` days of stored history. */
export async function runBacktest(db: Database, request: BacktestRequest): Promise<BacktestResult> {
  cacheZoneOffsets();
  const window = backtestWindow(request);
  const pageSize = request.pageSize ?? DEFAULT_BACKTEST_PAGE;
  const totals = emptyTotals(request.definition);
  let page = readPage(db, request, window, null, pageSize);
  for (;;) {
    const customers = await page;
    if (customers.length === 0) break;
    const last = customers[customers.length - 1] as { rowId: string };
    // The next page loads while this one is replayed.
    page = customers.length < pageSize ? Promise.resolve([]) : readPage(db, request, window, last.rowId, pageSize);
    for (const customer of customers) addCustomer(totals, window, customer);
  }
  return backtestResult(totals, window, request.days);
}

async function readPage(
  db: Database,
  request: BacktestRequest,
  window: BacktestWindow,
  after: string | null,
  pageSize: number,
): Promise<(BacktestCustomer & { rowId: string })[]> {
  const rows = await db.customer.findMany({
    where: after === null ? {} : { id: { gt: after } },
    orderBy: { id: 'asc' },
    take: pageSize,
    select: {
      id: true,
      externalId: true,
      email: true,
      timezone: true,
      consent: true,
      attributes: true,
      tags: true,
      orderCount: true,
      totalSpent: true,
      churnScore: { select: { band: true } },
    },
  });
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const emails = [...new Set(rows.flatMap((row) => (row.email ? [row.email.toLowerCase()] : [])))];
  const since = new Date(window.from - capLookbackMs(request.policies));
  const [events, messages, suppressions] = await Promise.all([
    db.$queryRaw<EventRow[]>`
      SELECT "id", "customerId", "type", "occurredAt", "properties"
        FROM "Event"
       WHERE "customerId" = ANY(${ids}::text[])
         AND "occurredAt" >= ${new Date(window.from)} AND "occurredAt" < ${new Date(window.to)}`,
    // What other journeys (and anything outside a journey) really sent: the draft stands in for its own key's messages.
    db.$queryRaw<MessageRow[]>`
      SELECT m."customerId", coalesce(m."sentAt", m."createdAt") AS "at", m."category"::text AS "category", m."surveyKind"
        FROM "Message" m
        LEFT JOIN "Enrollment" e ON e."id" = m."enrollmentId"
       WHERE m."customerId" = ANY(${ids}::text[])
         AND m."createdAt" >= ${since} AND m."createdAt" < ${new Date(window.to)}
         AND m."status"::text = ANY(${[...countedStatuses]}::text[])
         AND (e."journeyKey" IS NULL OR e."journeyKey" <> ${request.definition.key})`,
    emails.length === 0 ? Promise.resolve([]) : db.suppression.findMany({ where: { email: { in: emails } }, select: { email: true } }),
  ]);
  const eventsOf = new Map<string, BacktestCustomer['events']>();
  for (const event of events) {
    const list = eventsOf.get(event.customerId) ?? [];
    list.push({
      id: event.id,
      type: event.type,
      at: event.occurredAt.getTime(),
      properties: (event.properties ?? {}) as Record<string, unknown>,
    });
    eventsOf.set(event.customerId, list);
  }
  const messagesOf = new Map<string, SentMessage[]>();
  for (const message of messages) {
    const list = messagesOf.get(message.customerId) ?? [];
    list.push({
      at: message.at.getTime(),
      category: message.category === 'marketing' ? 'marketing' : 'transactional',
      surveyKind: message.surveyKind,
    });
    messagesOf.set(message.customerId, list);
  }
  const suppressed = new Set(suppressions.map((row) => row.email));
  return rows.map((row) => ({
    rowId: row.id,
    externalId: row.externalId,
    timezone: row.timezone ?? request.defaultTimezone,
    consent: (row.consent ?? {}) as Record<string, unknown>,
    attributes: (row.attributes ?? {}) as Record<string, unknown>,
    tags: row.tags,
    churnBand: asChurnBand(row.churnScore?.band),
    orderCount: row.orderCount,
    totalSpent: Number(row.totalSpent),
    suppressed: row.email !== null && suppressed.has(row.email.toLowerCase()),
    events: eventsOf.get(row.id) ?? [],
    messages: messagesOf.get(row.id) ?? [],
  }));
}

/** What a published version really did with the enrollments it started in the window. */
export type PublishedFigures = BacktestFigures & { version: number };

export async function publishedFigures(
  db: Database,
  key: string,
  version: number,
  window: Pick<BacktestWindow, 'from' | 'to' | 'zone'>,
  days: { date: string }[],
): Promise<PublishedFigures> {
  const from = new Date(window.from);
  const to = new Date(window.to);
  const [outcomes, sends, byDay] = await Promise.all([
    db.$queryRaw<{ status: string; enrollments: number }[]>`
      SELECT "status"::text AS "status", count(*)::int AS "enrollments"
        FROM "Enrollment"
       WHERE "journeyKey" = ${key} AND "version" = ${version} AND "enteredAt" >= ${from} AND "enteredAt" < ${to}
       GROUP BY 1`,
    db.$queryRaw<{ status: string; reason: string | null; count: number }[]>`
      SELECT s."status", CASE WHEN s."status" = 'sent' THEN NULL ELSE coalesce(s."detail"->>'reason', 'unknown') END AS "reason",
             count(*)::int AS "count"
        FROM "EnrollmentStep" s
        JOIN "Enrollment" e ON e."id" = s."enrollmentId"
       WHERE e."journeyKey" = ${key} AND e."version" = ${version} AND e."enteredAt" >= ${from} AND e."enteredAt" < ${to}
         AND s."kind" = 'send' AND s."status" IN ('sent', 'skipped', 'deferred') AND s."at" < ${to}
       GROUP BY 1, 2`,
    db.$queryRaw<{ date: string; count: number }[]>`
      SELECT to_char(s."at" AT TIME ZONE ${window.zone}, 'YYYY-MM-DD') AS "date", count(*)::int AS "count"
        FROM "EnrollmentStep" s
        JOIN "Enrollment" e ON e."id" = s."enrollmentId"
       WHERE e."journeyKey" = ${key} AND e."version" = ${version} AND e."enteredAt" >= ${from} AND e."enteredAt" < ${to}
         AND s."kind" = 'send' AND s."status" = 'sent' AND s."at" < ${to}
       GROUP BY 1`,
  ]);
  const countOf = (status: string) => outcomes.find((row) => row.status === status)?.enrollments ?? 0;
  const skipped: Record<string, number> = {};
  const deferred: Record<string, number> = {};
  let messages = 0;
  for (const row of sends) {
    if (row.status === 'sent') messages += row.count;
    else if (row.status === 'skipped') skipped[row.reason ?? 'unknown'] = row.count;
    else deferred[row.reason ?? 'unknown'] = row.count;
  }
  const sentOn = new Map(byDay.map((row) => [row.date, row.count]));
  return {
    version,
    enrollments: outcomes.reduce((sum, row) => sum + row.enrollments, 0),
    messages,
    skipped,
    deferred,
    perDay: days.map(({ date }) => ({ date, messages: sentOn.get(date) ?? 0 })),
    goals: countOf('goal_reached'),
    exited: countOf('exited'),
  };
}
