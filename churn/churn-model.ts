// The BG/NBD parameters the scores are computed with: fitted to the business's own order history by
// each scoring run and kept in `ChurnModel`, so that the score refreshed after an order uses the
// latest fit. The summaries (x, t_x, T) are computed in SQL and come back collapsed: one row per distinct
// (x, t_x, T) with its number of customers, so even a large history is a few thousand rows. Above
// FIT_SAMPLE_SIZE customers the fit sees a random sample (a stable hash of the customer id, so the same
// customers are drawn every night); the BG/NBD customers are i.i.d., so a 100,000-customer sample
// estimates the parameters to well within their sampling error, in well under a second.
// Small histories fall back to the published CDNOW parameters (`chooseModelParameters`), and say why.
//
// The same fit learns the risk score's weights by the backtest of core/churn/risk-model.ts: a stable
// sample of up to BACKTEST_SAMPLE_SIZE customers who had ordered by the cut-off (H days before the run),
// their signals as of the cut-off loaded by the very code that scoring uses (`loadCustomerSignals`), the
// BG/NBD model refitted to their orders up to the cut-off, and whether they ordered in the H days after.
// A sample keeps the backtest to a fixed cost (a few seconds of queries), whatever the size of the
// history: the nightly run's cost stays that of scoring everyone. And it fits the spend model (Gamma-Gamma
// on a sample of up to SPEND_SAMPLE_SIZE repeat customers' mean order values) for the predicted value.
import type { BgNbdParams, CustomerSummary } from '../core/churn/bgnbd.ts';
import { computeModelOutputs, HORIZON_DAYS } from '../core/churn/customer-forecast.ts';
import { fitSpendModel, SPEND_SAMPLE_SIZE, type SpendModel } from '../core/churn/customer-value.ts';
import { chooseModelParameters, priorParameters } from '../core/churn/model-choice.ts';
import { type OrderRhythm, typicalOrderGapDays } from '../core/churn/order-rhythm.ts';
import { computeRiskFeatures, priorRiskModel, type RiskModel } from '../core/churn/risk-features.ts';
import { BACKTEST_SAMPLE_SIZE, isHoldoutCustomer, learnRiskModel, type RiskBacktest, type RiskExample } from '../core/churn/risk-model.ts';
import type { TimeUnit } from '../core/churn/summary.ts';
import { type Database, Prisma } from '../runtime/database.ts';
import { loadCustomerSignals, utcDay } from './customer-signals.ts';

const DAY_MS = 86_400_000;

/** Largest number of customers the fit sees; above it, a random sample of this size. */
export const FIT_SAMPLE_SIZE = 100_000;
/** Customers whose signals are loaded together for the backtest. */
const BACKTEST_BATCH = 1000;

/** What scoring needs from a model (small enough to pass between workflow steps). */
export type ScoringModel = {
  params: BgNbdParams;
  unit: TimeUnit;
  /** The median of the repeat buyers' mean gaps between orders (days): the rhythm of one-order customers. */
  typicalGapDays: number | null;
  /**
   * The score's weights and horizon; absent from what the scoring workflow passes to its pages, which read
   * them from the run's stored model (`withStoredWeights`).
   */
  risk?: RiskModel;
  /** The spend model of the predicted value; null before any fit (the last 365 days' spend stands in). */
  spend?: SpendModel | null;
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

/** A stored model with everything the fit stored: the score's weights, the backtest, the spend model. */
export type FittedChurnModel = StoredChurnModel & {
  risk: RiskModel;
  spend: SpendModel | null;
  horizonDays: number;
  backtest: RiskBacktest | null;
};

/** Before any run has fitted a model: the CDNOW prior, no typical gap, the fallback weights, no spend model. */
export function priorScoringModel(unit: TimeUnit = 'weeks', horizonDays: number = HORIZON_DAYS): ScoringModel {
  return { params: priorParameters(unit), unit, typicalGapDays: null, risk: priorRiskModel(horizonDays), spend: null };
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
  horizonDays: number;
  riskModel: unknown;
  backtest: unknown;
  spendModel: unknown;
};

function fromRow(row: ModelRow): FittedChurnModel {
  const p = row.params as BgNbdParams;
  return {
    id: row.id,
    horizonDays: row.horizonDays,
    // A row from before the score was a probability has no weights: the fallback's.
    risk: (row.riskModel as RiskModel | null) ?? priorRiskModel(row.horizonDays),
    backtest: (row.backtest as RiskBacktest | null) ?? null,
    spend: (row.spendModel as SpendModel | null) ?? null,
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
export async function latestChurnModel(db: Database): Promise<FittedChurnModel | null> {
  const row = await db.churnModel.findFirst({ orderBy: [{ fittedAt: 'desc' }, { id: 'desc' }] });
  return row ? fromRow(row) : null;
}

/** Stored weights looked up by run id, so that the pages of a run read them once per worker. */
const weightsByRun = new Map<string, Pick<FittedChurnModel, 'risk' | 'spend'>>();

/**
 * The model with its weights and spend model: as given when it has them; else those stored by the
 * scoring run `runId` (the workflow passes only the BG/NBD part to its pages); else the fallback's.
 */
export async function withStoredWeights(db: Database, model: ScoringModel, runId?: string): Promise<ScoringModel & { risk: RiskModel }> {
  if (model.risk) return { ...model, risk: model.risk };
  if (runId !== undefined) {
    let stored = weightsByRun.get(runId);
    if (!stored) {
      const row = await db.churnModel.findUnique({ where: { id: runId } });
      if (row) {
        const { risk, spend } = fromRow(row);
        stored = { risk, spend };
        if (weightsByRun.size >= 16) weightsByRun.delete(weightsByRun.keys().next().value as string);
        weightsByRun.set(runId, stored);
      }
    }
    if (stored) return { ...model, ...stored };
  }
  return { ...model, risk: priorRiskModel() };
}

/**
 * The backtest (see the top of the file): the sampled customers as of the cut-off, H days before the day
 * of `at`, and whether they ordered in the H days after; the weights learned from them.
 */
async function backtest(db: Database, options: { at: Date; horizonDays: number; unit: TimeUnit; customers: number }) {
  const today = utcDay(options.at);
  const cutoffDay = today - options.horizonDays;
  const cutoff = new Date(cutoffDay * DAY_MS);
  const endOfCutoffDay = new Date((cutoffDay + 1) * DAY_MS).toISOString();
  const endOfToday = new Date((today + 1) * DAY_MS).toISOString();
  // The customers with orders today are at least those with orders at the cut-off: a sample of at most the size.
  const fraction = options.customers > BACKTEST_SAMPLE_SIZE ? BACKTEST_SAMPLE_SIZE / options.customers : 1;
  const threshold = Math.min(Math.floor(fraction * 2 ** 31), 2 ** 31 - 1);
  const sampled = await db.$queryRaw<{ customerId: string; orderedAfter: boolean }[]>`
    SELECT "customerId", bool_or("placedAt" >= ${endOfCutoffDay}::timestamptz) AS "orderedAfter" FROM "Order"
    WHERE "placedAt" < ${endOfToday}::timestamptz
      AND (${fraction >= 1} OR (hashtext("customerId") & 2147483647) < ${threshold}::int)
    GROUP BY 1 HAVING min("placedAt") < ${endOfCutoffDay}::timestamptz
    ORDER BY 1`;
  const orderedAfter = new Map(sampled.map((row) => [row.customerId, row.orderedAfter]));
  const signals = [];
  for (let i = 0; i < sampled.length; i += BACKTEST_BATCH) {
    signals.push(
      ...(await loadCustomerSignals(
        db,
        sampled.slice(i, i + BACKTEST_BATCH).map((row) => row.customerId),
        cutoff,
      )),
    );
  }
  const described = signals.filter((s) => s.rhythm !== null);
  const unitDays = options.unit === 'days' ? 1 : 7;
  const summaries: CustomerSummary[] = described.map(({ rhythm }) => {
    const r = rhythm as OrderRhythm;
    return { x: r.orderDays - 1, tx: (r.daysSinceFirstOrder - r.daysSinceLastOrder) / unitDays, T: r.daysSinceFirstOrder / unitDays };
  });
  const params = chooseModelParameters(summaries, { unit: options.unit }).params;
  const typicalGapDays = typicalOrderGapDays(described.map((s) => s.rhythm as OrderRhythm));
  const examples: RiskExample[] = described.map((s) => {
    const rhythm = s.rhythm as OrderRhythm;
    const model = computeModelOutputs(params, options.unit, rhythm, cutoff, options.horizonDays);
    return {
      features: computeRiskFeatures({
        now: cutoff,
        rhythm,
        model,
        typicalGapDays,
        surveys: s.surveys,
        openTickets: s.openTickets,
        refunds: s.refunds,
        email: s.email,
      }).values,
      noOrder: orderedAfter.get(s.customerRowId) !== true,
      holdout: isHoldoutCustomer(s.customerRowId),
      recencyDays: rhythm.daysSinceLastOrder,
      modelNoOrder: 1 - model.pOrder90,
    };
  });
  return learnRiskModel(examples, { horizonDays: options.horizonDays, cutoff });
}

/**
 * Fits the model to every customer's orders up to the calendar day of `at` (a sample of large histories),
 * learns the score's weights by the backtest, fits the spend model, and stores them under `id`.
 * Idempotent: a model already stored under `id` is returned as it is.
 */
export async function fitAndStoreChurnModel(
  db: Database,
  options: { id: string; at: Date; sampleSize?: number; unit?: TimeUnit; horizonDays?: number },
): Promise<FittedChurnModel> {
  const existing = await db.churnModel.findUnique({ where: { id: options.id } });
  if (existing) return fromRow(existing);
  const unit = options.unit ?? 'weeks';
  const horizonDays = options.horizonDays ?? HORIZON_DAYS;
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
  // The spend model: the mean order values (total - refunded, first day excluded) of a stable sample of up
  // to SPEND_SAMPLE_SIZE repeat customers.
  const spendFraction = repeatBuyers > SPEND_SAMPLE_SIZE ? SPEND_SAMPLE_SIZE / repeatBuyers : 1;
  const spendThreshold = Math.min(Math.floor(spendFraction * 2 ** 31), 2 ** 31 - 1);
  const spendRows = await db.$queryRaw<{ x: number; meanRepeatSpend: number }[]>`
    SELECT (count(*) - 1)::int AS x, ((sum(t) - (array_agg(t ORDER BY d))[1]) / (count(*) - 1))::float8 AS "meanRepeatSpend"
    FROM (SELECT "customerId", floor(extract(epoch FROM "placedAt") / 86400)::int AS d, sum("total" - "refundedAmount") AS t
          FROM "Order" WHERE "placedAt" < ${endOfToday}::timestamptz
            AND (${spendFraction >= 1} OR (hashtext("customerId") & 2147483647) < ${spendThreshold}::int)
          GROUP BY 1, 2) o
    GROUP BY "customerId" HAVING count(*) > 1`;
  const spend = fitSpendModel(spendRows.map((row) => ({ x: row.x, meanRepeatSpend: Number(row.meanRepeatSpend) })));
  const learned = await backtest(db, { at: options.at, horizonDays, unit, customers });
  const reason =
    sampled < customers
      ? `${choice.reason} (A random sample of the ${customers} customers with orders, of whom ${repeatBuyers} bought again.)`
      : choice.reason;
  const model: FittedChurnModel = {
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
    horizonDays,
    risk: learned.model,
    backtest: learned.backtest,
    spend,
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
        horizonDays,
        riskModel: toJson(model.risk),
        backtest: model.backtest === null ? Prisma.DbNull : toJson(model.backtest),
        spendModel: model.spend === null ? Prisma.DbNull : toJson(model.spend),
      },
    ],
    skipDuplicates: true,
  });
  return model;
}

/** A plain JSON value (no undefined, no class instances) for a Json column. */
const toJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
