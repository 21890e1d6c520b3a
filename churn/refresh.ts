// A customer's score is refreshed after each of their orders, with the parameters of the latest scoring
// run (`ChurnModel`; the CDNOW prior before the first run). The router calls this before it routes a
// batch of events, so journeys deciding on the same batch see the new band, and a band change it causes
// is routed with the batch. It runs as part of routing: routing that fails (and is retried by the
// sweeper) refreshes again, harmlessly. A refresh that fails is reported and skipped, so that it never
// holds up journeys; the nightly run rescores everyone anyway.
import type { ChurnRefresher } from '../core/routing/ports.ts';
import type { Database } from '../runtime/database.ts';
import { latestChurnModel, priorScoringModel } from './churn-model.ts';
import { type ChurnScoringConfig, DEFAULT_CHURN_SCORING_CONFIG, scoreAndStore } from './scoring.ts';

export function createChurnRefresher(
  db: Database,
  options: { config?: ChurnScoringConfig; onError?: (error: unknown) => void; clock?: () => Date } = {},
): ChurnRefresher {
  const config = options.config ?? DEFAULT_CHURN_SCORING_CONFIG;
  return {
    async refresh(events) {
      // The latest order of each customer in the batch names the refresh (and its band-change event).
      const orderEventByCustomer = new Map<string, string>();
      for (const event of events) if (event.type === 'order.placed') orderEventByCustomer.set(event.customerRowId, event.id);
      if (orderEventByCustomer.size === 0) return [];
      try {
        const model = (await latestChurnModel(db)) ?? priorScoringModel('weeks', config.horizonDays);
        const result = await scoreAndStore(db, {
          customerRowIds: [...orderEventByCustomer.keys()],
          at: (options.clock ?? (() => new Date()))(),
          model,
          config,
          computedBy: (customerRowId) => `order:${orderEventByCustomer.get(customerRowId)}`,
        });
        return result.events;
      } catch (error) {
        options.onError?.(error);
        return [];
      }
    },
  };
}
