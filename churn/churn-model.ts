// The BG/NBD parameters the scores are computed with: fitted to the business's own order history by
// each scoring run and kept in `ChurnModel`, so that the score refreshed after an order uses the
// latest fit. The summaries (x, t_x, T) are computed in SQL and come back collapsed: one row per distinct
// (x, t_x, T) with its number of customers, so even a large history is a few thousand rows. Above
// FIT_SAMPLE_SIZE customers the fit sees a random sample (a stable hash of the customer id, so the same
// customers are drawn every night); the BG/NBD customers are i.i.d., so a 100,000-customer sample
// estimates the parameters to well within their sampling error, in well under a second.
// Small histories fall back to the published CDNOW parameters (`chooseModelParameters`), and say why.
import type { BgNbdParams, CustomerSummary } from '../core/churn/bgnbd.ts';
import { chooseModelParameters, priorParameters } from '../core/churn/model-choice.ts';
import { type OrderRhythm, typicalOrderGapDays } from '../core/churn/order-rhythm.ts';
import type { TimeUnit } from '../core/churn/summary.ts';
import type { Database } from '../runtime/database.ts';
import { utcDay } from './customer-signals.ts';

const DAY_MS = 86_400_000;

/** Largest number of customers the fit sees; above it, a random sample of this size. */
export const FIT_SAMPLE_SIZE = 100_000;

/** What scoring needs from a model (small enough to pass between workflow steps). */
export type ScoringModel = {
  params: BgNbdParams;
  unit: TimeUnit;
  /** The median of the repeat buyers' mean gaps between orders (days): the rhythm of one-order customers. */
  typicalGapDays: number | null;
};

export type StoredChurnModel = ScoringModel & {
  id: string;
  source: 'fit' | 'prior';
  reason: string;
  customers: number;
  repeatBuyers: number;
  sampled: number;
  logLikelihood: number | null;
  fittedAt: Date;
};

/** Before any run has fitted a model: the CDNOW prior, no typical gap. */
export function priorScoringModel(unit: TimeUnit = 'weeks'): ScoringModel {
  return { params: priorParameters(unit), unit, typicalGapDays: null };
}

type ModelRow = {
  id: string;
  params: unknown;
  unit: string;
  source: string;
  reason: string;
  customers: number;
  repeatBuyers: number;
  sampled: number;
  logLikelihood: number | null;
  typicalGapDays: number | null;
  fittedAt: Date;
};

function fromRow(row: ModelRow): StoredChurnModel {
  const p = row.params as BgNbdParams;
  return {
    id: row.id,
    params: { r: p.r, alpha: p.alpha, a: p.a, b: p.b },
    unit: row.unit === 'days' ? 'days' : 'weeks',
    typicalGapDays: row.typicalGapDays,
    source: row.source === 'fit' ? 'fit' : 'prior',
    reason: row.reason,
    customers: row.customers,
    repeatBuyers: row.repeatBuyers,
    sampled: row.sampled,
    logLikelihood: row.logLikelihood,
    fittedAt: row.fittedAt,
  };
}

/** The most recently fitted model, or null before the first scoring run. */
export async function latestChurnModel(db: Database): Promise<StoredChurnModel | null> {
  const row = await db.churnModel.findFirst({ orderBy: [{ fittedAt: 'desc' }, { id: 'desc' }] });
  return row ? fromRow(row) : null;
}

/**
 * Fits the model to every customer's orders up to the calendar day of `at` (a sample of large histories)
 * and stores it under `id`. Idempotent: a model already stored under `id` is returned as it is.
 */
export async function fitAndStoreChurnModel(
  db: Database,
  options: { id: string; at: Date; sampleSize?: number; unit?: TimeUnit },
): Promise<StoredChurnModel> {
  const existing = await db.churnModel.findUnique({ where: { id: options.id } });
  if (existing) return fromRow(existing);
  const unit = options.unit ?? 'weeks';
  const unitDays = unit === 'days' ? 1 : 7;
  const sampleSize = options.sampleSize ?? FIT_SAMPLE_SIZE;
  const today = utcDay(options.at);
  const endOfToday = new Date((today + 1) * DAY_MS).toISOString();

  const [totals] = await db.$queryRaw<{ customers: number; repeatBuyers: number }[]>`
    SELECT count(*)::int AS customers, count(*) FILTER (WHERE days > 1)::int AS "repeatBuyers"
    FROM (SELECT count(DISTINCT floor(extract(epoch FROM "placedAt") / 86400)) AS days FROM "Order"
          WHERE "placedAt" < ${endOfToday}::timestamptz GROUP BY "customerId") c`;
  const customers = totals?.customers ?? 0;
  const repeatBuyers = totals?.repeatBuyers ?? 0;
  // A stable pseudo-random sample: customers whose id hashes below the threshold.
  const fraction = customers > sampleSize ? sampleSize / customers : 1;
  const threshold = Math.min(Math.floor(fraction * 2 ** 31), 2 ** 31 - 1);
  const rows = await db.$queryRaw<{ x: number; txDays: number; tDays: number; n: number }[]>`
    SELECT days - 1 AS x, last - first AS "txDays", ${today}::int - first AS "tDays", count(*)::int AS n
    FROM (SELECT count(DISTINCT d)::int AS days, min(d)::int AS first, max(d)::int AS last
          FROM (SELECT "customerId", floor(extract(epoch FROM "placedAt") / 86400)::int AS d FROM "Order"
                WHERE "placedAt" < ${endOfToday}::timestamptz
                  AND (${fraction >= 1} OR (hashtext("customerId") & 2147483647) < ${threshold}::int)) o
          GROUP BY "customerId") c
    GROUP BY 1, 2, 3`;

  // Expanded to one summary per customer (the same object repeated: the fit collapses them again).
  const summaries: CustomerSummary[] = [];
  const rhythms: OrderRhythm[] = [];
  for (const row of rows) {
    const summary = { x: row.x, tx: row.txDays / unitDays, T: row.tDays / unitDays };
    const rhythm = { orderDays: row.x + 1, daysSinceFirstOrder: row.tDays, daysSinceLastOrder: row.tDays - row.txDays };
    for (let i = 0; i < row.n; i++) {
      summaries.push(summary);
      if (row.x > 0) rhythms.push(rhythm);
    }
  }
  const choice = chooseModelParameters(summaries, { unit });
  const sampled = summaries.length;
  const reason =
    sampled < customers
      ? `${choice.reason} (A random sample of the ${customers} customers with orders, of whom ${repeatBuyers} bought again.)`
      : choice.reason;
  const model: StoredChurnModel = {
    id: options.id,
    params: choice.params,
    unit,
    typicalGapDays: typicalOrderGapDays(rhythms),
    source: choice.source,
    reason,
    customers,
    repeatBuyers,
    sampled,
    logLikelihood: choice.source === 'fit' && choice.fit ? choice.fit.logLikelihood : null,
    fittedAt: options.at,
  };
  await db.churnModel.createMany({
    data: [
      {
        id: model.id,
        params: { ...model.params },
        unit: model.unit,
        source: model.source,
        reason: model.reason,
        customers: model.customers,
        repeatBuyers: model.repeatBuyers,
        sampled: model.sampled,
        logLikelihood: model.logLikelihood,
        typicalGapDays: model.typicalGapDays,
        fittedAt: model.fittedAt,
      },
    ],
    skipDuplicates: true,
  });
  return model;
}
