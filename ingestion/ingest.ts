// The one path every event takes, from the API or an import: validate each event on its own, store
// the valid ones atomically, then hand the new ones to the journeys.
import { type FieldError, type IncomingEvent, validateEvent } from '../core/events/event-schemas.ts';
import type { RouteEvents } from '../core/routing/ports.ts';
import type { Database } from '../runtime/database.ts';
import type { Logger } from '../runtime/logger.ts';
import { storeEvents } from './store-events.ts';

export type EventResult =
  | { index: number; id: string; status: 'accepted' | 'duplicate' }
  | { index: number; id: string | null; status: 'rejected'; error: FieldError };

/** `route: null` stores history without starting journeys (imports, demo data). */
export type IngestDeps = { db: Database; route: RouteEvents | null; logger?: Logger; clock?: () => Date };

export async function ingestEvents(deps: IngestDeps, rawEvents: unknown[]): Promise<EventResult[]> {
  const now = (deps.clock ?? (() => new Date()))();
  const results: EventResult[] = [];
  const valid: { index: number; event: IncomingEvent }[] = [];
  const firstIndexById = new Map<string, number>();
  rawEvents.forEach((raw, index) => {
    const validation = validateEvent(raw, now);
    if (!validation.ok) {
      const id = raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : null;
      results[index] = { index, id, status: 'rejected', error: validation.error };
      return;
    }
    if (firstIndexById.has(validation.event.id)) {
      results[index] = { index, id: validation.event.id, status: 'duplicate' };
      return;
    }
    firstIndexById.set(validation.event.id, index);
    valid.push({ index, event: validation.event });
  });

  const { stored, duplicateIds } = await storeEvents(
    deps.db,
    valid.map((entry) => entry.event),
    { markRouted: deps.route === null },
  );
  for (const { index, event } of valid) {
    results[index] = { index, id: event.id, status: duplicateIds.has(event.id) ? 'duplicate' : 'accepted' };
  }

  if (deps.route && stored.length > 0) {
    try {
      await deps.route(stored.map((event) => ({ ...event, properties: event.properties as Record<string, unknown> })));
    } catch (error) {
      // The events are safely stored; the sweeper routes them once Temporal answers again.
      deps.logger?.warn({ err: error }, 'routing deferred to the sweeper');
    }
  }
  return results;
}
