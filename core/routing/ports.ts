// The ports between storing events and acting on them. Ingestion, churn scoring, survey answers,
// unsubscribes and the inactivity sweep all hand new events to `RouteEvents`; only the composition
// root knows that the function behind it starts and signals Temporal workflows. Keeping these types
// here, in the pure core, is what lets those modules sit below the router instead of in a circle with it.
import type { JourneyEventInput } from '../journey/interpreter.ts';
import type { JourneyWorkflowInput } from '../journey/workflow-input.ts';

/** A stored event on its way to the journeys: the business's customer id and the customer row's. */
export type RoutableEvent = {
  id: string;
  type: string;
  customerId: string;
  customerRowId: string;
  occurredAt: Date;
  properties: Record<string, unknown>;
};

/** Hands stored events to the journeys they concern; throws when routing could not finish. */
export type RouteEvents = (events: RoutableEvent[]) => Promise<void>;

/** Rescores the customers of a batch's orders before it is routed; returns the band-change events it stored. */
export type ChurnRefresher = {
  refresh(events: readonly RoutableEvent[]): Promise<RoutableEvent[]>;
};

/** Starts or tells enrollment workflows. Both are idempotent: a workflow id runs once, a repeated event is ignored. */
export type JourneyDispatcher = {
  /** Starts the enrollment with the event as its first signal, or signals it when it already runs. */
  startOrSignal(workflowId: string, event: JourneyEventInput, input: JourneyWorkflowInput): Promise<void>;
  /** Signals a running enrollment; an enrollment that has ended meanwhile is no error. */
  signal(workflowId: string, event: JourneyEventInput): Promise<void>;
};
