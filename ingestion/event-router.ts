// Hands stored events to the journeys they concern: a trigger starts (or signals) the enrollment's
// workflow; any other event is signalled to the customer's running enrollments, where exit events and
// goals act on it. Routing happens after the events are committed; an event whose routing did not
// finish keeps `routedAt` empty and is routed again by the sweeper, and the workflow ignores an event
// id it has already seen, so routing twice is harmless.
import { asChurnBand } from '../core/journey/definition.ts';
import { type CustomerSnapshot, eventConcernsEnrollment, type KnownEnrollment, routeTrigger } from '../core/journey/enrollment-rules.ts';
import type { JourneyEventInput } from '../core/journey/interpreter.ts';
import { assignGroup } from '../core/policy/holdout.ts';
import type { ChurnRefresher, JourneyDispatcher, RoutableEvent, RouteEvents } from '../core/routing/ports.ts';
import { activeJourneys } from '../journey-store/journey-versions.ts';
import type { Database } from '../runtime/database.ts';
import type { Logger } from '../runtime/logger.ts';

export class EventRouter {
  constructor(
    private readonly db: Database,
    private readonly dispatcher: JourneyDispatcher,
    private readonly options: {
      defaultTimezone?: string;
      historyLimit?: number;
      /** Refreshes the churn score of customers who ordered (churn/refresh.ts); off when absent. */
      churn?: ChurnRefresher;
      logger?: Logger;
    } = {},
  ) {}

  /** `route` as a plain function, for the modules that only hand events on. */
  readonly routeEvents: RouteEvents = (events) => this.route(events);

  async route(events: RoutableEvent[]): Promise<void> {
    if (events.length === 0) return;
    // Orders refresh the customer's churn score first, so the journeys below see the new band; the band
    // changes it causes are routed after this batch.
    const bandChanges = this.options.churn ? await this.options.churn.refresh(events) : [];
    const journeys = await activeJourneys(this.db);
    const customerIds = [...new Set(events.map((event) => event.customerRowId))];
    // One read of the batch's customers and all their enrollments: the re-entry checks and the
    // signals to running enrollments below are decided from it.
    const [enrollments, customers] = await Promise.all([
      this.db.enrollment.findMany({
        where: { customerId: { in: customerIds } },
        select: { workflowId: true, customerId: true, entityKey: true, journeyKey: true, status: true, enteredAt: true, endedAt: true },
      }),
      this.db.customer.findMany({ where: { id: { in: customerIds } }, include: { churnScore: true } }),
    ]);
    const customerById = new Map(customers.map((customer) => [customer.id, customer]));
    const running = enrollments.filter((enrollment) => enrollment.status === 'running');
    const knownEnrollments = new Map<string, (KnownEnrollment & { workflowId: string })[]>();
    for (const p of enrollments) {
      const key = `${p.customerId}\u0000${p.journeyKey}`;
      const known = {
        workflowId: p.workflowId,
        entityKey: p.entityKey,
        enteredAt: p.enteredAt.getTime(),
        endedAt: p.endedAt?.getTime() ?? null,
        running: p.status === 'running',
      };
      knownEnrollments.set(key, [...(knownEnrollments.get(key) ?? []), known]);
    }
    const unroutable = events.filter((event) => !customerById.has(event.customerRowId));
    if (unroutable.length > 0) {
      this.options.logger?.warn(
        { events: unroutable.map((event) => event.id) },
        'customer row not found for stored events; leaving them to the event sweeper',
      );
    }
    for (const event of events) {
      const signal: JourneyEventInput = {
        id: event.id,
        type: event.type,
        occurredAt: event.occurredAt.getTime(),
        properties: event.properties,
      };
      const customer = customerById.get(event.customerRowId);
      if (!customer) continue;
      const signalled = new Set<string>();
      for (const journey of journeys) {
        const past = knownEnrollments.get(`${customer.id}\u0000${journey.key}`) ?? [];
        const decision = routeTrigger(
          journey.definition,
          { ...event, occurredAt: event.occurredAt.getTime() },
          snapshot(customer),
          past,
          Date.now(),
          customer.timezone ?? this.options.defaultTimezone ?? 'UTC',
        );
        if (decision.kind === 'none') continue;
        if (decision.kind === 'join') {
          // The same entity again: the running enrollment hears about it.
          signalled.add(decision.enrollment.workflowId);
          await this.dispatcher.signal(decision.enrollment.workflowId, signal);
          continue;
        }
        const entityKey = decision.entityKey;
        signalled.add(decision.workflowId);
        await this.dispatcher.startOrSignal(decision.workflowId, signal, {
          journeyKey: journey.key,
          version: journey.version,
          customerId: event.customerRowId,
          entityKey,
          triggerEventId: event.id,
          group: assignGroup(journey.key, event.customerId, journey.definition.holdout),
          ...(this.options.historyLimit ? { historyLimit: this.options.historyLimit } : {}),
        });
      }
      for (const enrollment of running) {
        if (enrollment.customerId !== event.customerRowId || signalled.has(enrollment.workflowId)) continue;
        if (!eventConcernsEnrollment(enrollment.entityKey, event.properties)) continue;
        await this.dispatcher.signal(enrollment.workflowId, signal);
      }
    }
    const routed = events.filter((event) => customerById.has(event.customerRowId)).map((event) => event.id);
    if (routed.length > 0) await this.db.event.updateMany({ where: { id: { in: routed } }, data: { routedAt: new Date() } });
    if (bandChanges.length > 0) await this.route(bandChanges);
  }

  /** Routes events whose routing never finished (the API process died, Temporal was down). */
  async routePending(olderThanMs = 15_000, limit = 500): Promise<number> {
    const rows = await this.db.event.findMany({
      where: { routedAt: null, receivedAt: { lt: new Date(Date.now() - olderThanMs) } },
      orderBy: { receivedAt: 'asc' },
      take: limit,
      include: { customer: { select: { externalId: true } } },
    });
    await this.route(
      rows.map((row) => ({
        id: row.id,
        type: row.type,
        customerId: row.customer.externalId,
        customerRowId: row.customerId,
        occurredAt: row.occurredAt,
        properties: row.properties as Record<string, unknown>,
      })),
    );
    return rows.length;
  }
}

function snapshot(customer: {
  externalId: string;
  consent: unknown;
  attributes: unknown;
  orderCount: number;
  totalSpent: unknown;
  churnScore: { band: string } | null;
}): CustomerSnapshot {
  const band = customer.churnScore?.band;
  return {
    externalId: customer.externalId,
    consent: (customer.consent ?? {}) as Record<string, unknown>,
    attributes: (customer.attributes ?? {}) as Record<string, unknown>,
    churnBand: asChurnBand(band),
    orderCount: customer.orderCount,
    totalSpent: Number(customer.totalSpent),
  };
}
