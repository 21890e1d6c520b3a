// The inactivity sweep: finds customers who crossed an inactivity journey's threshold (no order for
// N days, or overdue against their own rhythm) and emits one `customer.inactive` event per journey
// and inactivity spell. The event id names the last order, so a spell is announced once however
// often the sweep runs, and a new order starts a new spell.
import { heartbeat } from '@temporalio/activity';
import { Duration } from 'luxon';
import type { Trigger } from '../core/journey/definition.ts';
import type { RouteEvents } from '../core/routing/ports.ts';
import { emitInternalEvent } from '../ingestion/internal-events.ts';
import { activeJourneys } from '../journey-store/journey-versions.ts';
import type { Database } from '../runtime/database.ts';

export type SweepPage = { journeyIndex: number; afterCustomerId: string | null };
export type SweepPageResult = { next: SweepPage | null; emitted: number; examined: number };

const PAGE_SIZE = 500;
const DAY_MS = 86_400_000;

type InactivityTrigger = Extract<Trigger, { inactivity: unknown }>['inactivity'];

export function createInactivityActivities({ db, route }: { db: Database; route: RouteEvents | null }) {
  return {
    /** One page of one inactivity journey; returns where the next page starts. */
    async sweepInactivityPage(input: { page: SweepPage; at: number }): Promise<SweepPageResult> {
      const journeys = (await activeJourneys(db))
        .filter((journey) => 'inactivity' in journey.definition.trigger)
        .sort((a, b) => (a.key < b.key ? -1 : 1));
      const journey = journeys[input.page.journeyIndex];
      if (!journey) return { next: null, emitted: 0, examined: 0 };
      const trigger = (journey.definition.trigger as { inactivity: InactivityTrigger }).inactivity;
      const now = new Date(input.at);
      const after = input.page.afterCustomerId ?? '';
      // Raw SQL: the overdue threshold is arithmetic on the customer's own columns, which the ORM cannot
      // filter on; the fixed threshold is written the same way beside it.
      const rows =
        'noOrderFor' in trigger
          ? await db.$queryRaw<{ id: string; lastOrderAt: Date; gapDays: number | null }[]>`
              SELECT "id", "lastOrderAt", NULL::float8 AS "gapDays" FROM "Customer"
              WHERE "id" > ${after} AND "lastOrderAt" IS NOT NULL
                AND "lastOrderAt" < ${now.toISOString()}::timestamptz - ${`${Duration.fromISO(trigger.noOrderFor).toMillis()} milliseconds`}::interval
              ORDER BY "id" LIMIT ${PAGE_SIZE}`
          : await db.$queryRaw<{ id: string; lastOrderAt: Date; gapDays: number | null }[]>`
              SELECT "id", "lastOrderAt",
                     EXTRACT(EPOCH FROM ("lastOrderAt" - "firstOrderAt")) / 86400 / ("orderCount" - 1) AS "gapDays"
              FROM "Customer"
              WHERE "id" > ${after} AND "orderCount" >= GREATEST(${trigger.minOrders}::int, 2) AND "lastOrderAt" > "firstOrderAt"
                AND ${now.toISOString()}::timestamptz - "lastOrderAt"
                    > ("lastOrderAt" - "firstOrderAt") / ("orderCount" - 1) * ${trigger.overdueFactor}::float8
              ORDER BY "id" LIMIT ${PAGE_SIZE}`;
      let emitted = 0;
      for (const row of rows) {
        const created = await emitInternalEvent(db, route, {
          id: `customer.inactive:${journey.key}:${row.id}:${row.lastOrderAt.toISOString()}`,
          type: 'customer.inactive',
          customerRowId: row.id,
          occurredAt: now,
          properties: {
            journeyKey: journey.key,
            daysSinceLastOrder: Math.floor((now.getTime() - row.lastOrderAt.getTime()) / DAY_MS),
            ...(row.gapDays !== null ? { usualGapDays: Math.round(Number(row.gapDays)) } : {}),
          },
        });
        if (created) emitted++;
        heartbeat();
      }
      const last = rows.at(-1);
      const next: SweepPage | null =
        rows.length === PAGE_SIZE && last
          ? { journeyIndex: input.page.journeyIndex, afterCustomerId: last.id }
          : input.page.journeyIndex + 1 < journeys.length
            ? { journeyIndex: input.page.journeyIndex + 1, afterCustomerId: null }
            : null;
      return { next, emitted, examined: rows.length };
    },
  };
}

export type InactivityActivities = ReturnType<typeof createInactivityActivities>;
