// Hands stored events to the journeys they concern: a trigger starts (or signals) the enrollment's
// workflow; any other event is signalled to the customer's running enrollments, where exit events and
// goals act on it. Routing happens after the events are committed; an event whose routing did not
// finish keeps `routedAt` empty and is routed again by the sweeper, and the workflow ignores an event
// id it has already seen, so routing twice is harmless.
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { entityKeyProperty, type JourneyDefinition } from '../core/journey/definition.ts';
import type { JourneyEventInput } from '../core/journey/interpreter.ts';
import { activeJourneys } from '../journey-store/journey-versions.ts';
import type { Database } from '../runtime/database.ts';
import { type JourneyWorkflowInput, journeyWorkflow } from '../workflows/journey.ts';
import { journeyEventSignal } from '../workflows/signals.ts';

export type RoutableEvent = {
  id: string;
  type: string;
  customerId: string;
  customerRowId: string;
  occurredAt: Date;
  properties: Record<string, unknown>;
};

export function entityKeyFor(definition: JourneyDefinition, properties: Record<string, unknown>): string | null {
  const property = entityKeyProperty[definition.entity];
  if (property === null) return 'customer';
  const value = properties[property];
  return typeof value === 'string' && value !== '' ? `${definition.entity}:${value}` : null;
}

/** Deterministic, so that the same trigger can never start two enrollments. */
export const journeyWorkflowId = (journeyKey: string, customerExternalId: string, entityKey: string) =>
  `journey/${journeyKey}/${customerExternalId}/${entityKey}`;

export class EventRouter {
  constructor(
    private readonly db: Database,
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async route(events: RoutableEvent[]): Promise<void> {
    if (events.length === 0) return;
    const journeys = await activeJourneys(this.db);
    const running = await this.db.enrollment.findMany({
      where: { status: 'running', customerId: { in: [...new Set(events.map((event) => event.customerRowId))] } },
      select: { workflowId: true, customerId: true, entityKey: true, journeyKey: true },
    });
    for (const event of events) {
      const signal: JourneyEventInput = {
        id: event.id,
        type: event.type,
        occurredAt: event.occurredAt.getTime(),
        properties: event.properties,
      };
      const started = new Set<string>();
      for (const journey of journeys) {
        if (journey.definition.trigger.event !== event.type) continue;
        const entityKey = entityKeyFor(journey.definition, event.properties);
        if (entityKey === null) continue;
        const workflowId = journeyWorkflowId(journey.key, event.customerId, entityKey);
        started.add(workflowId);
        await this.startOrSignal(workflowId, signal, {
          journeyKey: journey.key,
          version: journey.version,
          customerId: event.customerRowId,
          entityKey,
          triggerEventId: event.id,
        });
      }
      for (const enrollment of running) {
        if (enrollment.customerId !== event.customerRowId || started.has(enrollment.workflowId)) continue;
        const [entity, value] = enrollment.entityKey.split(/:(.*)/s);
        const property = entity === 'order' ? 'orderId' : entity === 'ticket' ? 'ticketId' : null;
        if (property && event.properties[property] !== undefined && event.properties[property] !== value) continue;
        await this.signal(enrollment.workflowId, signal);
      }
    }
    await this.db.event.updateMany({
      where: { id: { in: events.map((event) => event.id) } },
      data: { routedAt: new Date() },
    });
  }

  private async startOrSignal(workflowId: string, signal: JourneyEventInput, input: JourneyWorkflowInput): Promise<void> {
    try {
      await this.client.workflow.signalWithStart(journeyWorkflow, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [input],
        signal: journeyEventSignal,
        signalArgs: [signal],
        // Once per entity: a finished enrollment is never started again for the same order.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  private async signal(workflowId: string, signal: JourneyEventInput): Promise<void> {
    try {
      await this.client.workflow.getHandle(workflowId).signal(journeyEventSignal, signal);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
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
