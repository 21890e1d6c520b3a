// Scores a set of customers and stores the result, for the nightly run (a page at a time) and for the
// refresh after an order. One transaction per set: with the customers' current scores locked, it
//  - upserts `ChurnScore` (score in force, model score and band, the external score beside it, every
//    factor's contribution and the reasons);
//  - adds a `ChurnScoreHistory` row for each customer whose score or band changed, the first score
//    included;
//  - stores a `churn_band.changed` event { from, to, score } for each customer whose band changed. A first
//    score is not a change: there is no band to come from, and the first run over an existing history
//    would otherwise announce every customer's band at once (journeys that care about a band can check it
//    at entry: `entry.churnBands`);
//  - copies the score in force, band, value (spend in the 365 days before the instant) and value at risk
//    onto the customer: the at-risk list's sort keys (workspace/customer-list.ts). Value at risk = the
//    predicted value over the next 365 days (BG/NBD expected orders in 365 days x the spend model's
//    expected order value, core/churn/customer-value.ts; the last 365 days' spend before a run has fitted
//    a spend model) x score/100, i.e. x P(no order in the next H days);
//  - advances the page's committed cursor (`ChurnScoringPage`), when scoring a page.
// Storing the events in the same transaction as the scores matters: after a crash between the two, the
// retry would see the new band already stored and never announce the change. They are routed to
// journeys after the commit; an event whose routing fails is routed again by the worker's sweeper.
// The event id is customer + new band + what computed it (the run, or the order event), so a retry
// stores nothing twice. A score computed as of an earlier instant never replaces a later one.
import { computeModelOutputs } from '../core/churn/customer-forecast.ts';
import { customerValue } from '../core/churn/customer-value.ts';
import type { RiskBand, RiskConfig, RiskModel, RiskScore } from '../core/churn/risk-score.ts';
import { DEFAULT_RISK_CONFIG, scoreChurnRisk } from '../core/churn/risk-score.ts';
import type { RoutableEvent } from '../core/routing/ports.ts';
import type { Database } from '../runtime/database.ts';
import { type ScoringModel, withStoredWeights } from './churn-model.ts';
import { type CustomerSignals, loadCustomerSignals } from './customer-signals.ts';

/**
 * The configurable part of the score: band thresholds, the precedence of external scores, and H (the score
 * is 100 x P(no order in the next H days); default 90), which the nightly fit learns its weights for.
 */
export type ChurnScoringConfig = Pick<RiskConfig, 'thresholds' | 'precedence'> & { horizonDays?: number };

export const DEFAULT_CHURN_SCORING_CONFIG: ChurnScoringConfig = {
  thresholds: DEFAULT_RISK_CONFIG.thresholds,
  precedence: DEFAULT_RISK_CONFIG.precedence,
};

export const BAND_CHANGED = 'churn_band.changed';

/** The id of the band-change event: customer + new band + what computed the score. */
export const bandChangeEventId = (customerRowId: string, band: string, computedBy: string) =>
  `${BAND_CHANGED}:${customerRowId}:${band}:${computedBy}`;

/** One customer's risk score from their signals, as of `at`, with the model's weights and horizon. */
export function scoreSignals(
  signals: CustomerSignals,
  at: Date,
  model: ScoringModel & { risk: RiskModel },
  config: ChurnScoringConfig,
): RiskScore {
  const rhythm = signals.rhythm;
  return scoreChurnRisk(
    {
      now: at,
      rhythm,
      model: rhythm ? computeModelOutputs(model.params, model.unit, rhythm, at, model.risk.horizonDays) : null,
      typicalGapDays: model.typicalGapDays,
      surveys: signals.surveys,
      openTickets: signals.openTickets,
      refunds: signals.refunds,
      email: signals.email,
      external: signals.external,
      riskModel: model.risk,
    },
    config,
  );
}

/** Predicted value over the next 365 days of a scored customer; null without orders or without a spend model. */
function predictedValueOf(signals: CustomerSignals, risk: RiskScore, model: ScoringModel): number | null {
  if (!(model.spend && signals.rhythm && risk.model)) return null;
  const value = customerValue(model.spend, signals.rhythm.orderDays - 1, signals.meanRepeatSpend, risk.model.expectedOrders365, 0);
  return Number.isFinite(value.predictedValue) ? value.predictedValue : null;
}

export type ScoreWriteResult = {
  /** Customers looked at (including any skipped because a later score was already stored). */
  scored: number;
  /** History rows written: customers whose score or band changed (first scores included). */
  changed: number;
  /** Band-change events stored by this call. */
  bandChanges: number;
  /** The band-change events stored by this call, to route to journeys once committed. */
  events: RoutableEvent[];
};

const finiteOrNull = (value: number | null | undefined) => (value !== null && value !== undefined && Number.isFinite(value) ? value : null);
const tenths = (score: number) => Math.round(score * 10);

/**
 * Scores these customers as of `at` and stores the results (see the top of the file). `page`, when
 * given, is the scoring-run page whose committed cursor moves to `page.cursor` in the same transaction.
 */
export async function scoreAndStore(
  db: Database,
  options: {
    customerRowIds: readonly string[];
    at: Date;
    model: ScoringModel;
    config: ChurnScoringConfig;
    /** What computed the score: `run:<run id>` or `order:<event id>`; part of the band-change event id. */
    computedBy: (customerRowId: string) => string;
    page?: { runId: string; page: number; cursor: string };
  },
): Promise<ScoreWriteResult> {
  const { at, config } = options;
  const model = await withStoredWeights(db, options.model, options.page?.runId);
  const signals = await loadCustomerSignals(db, options.customerRowIds, at);
  const scored = signals
    .map((s) => {
      const risk = scoreSignals(s, at, model, config);
      return { signals: s, risk, predictedValue: predictedValueOf(s, risk, model), computedBy: options.computedBy(s.customerRowId) };
    })
    .sort((p, q) => (p.signals.customerRowId < q.signals.customerRowId ? -1 : 1));
  const ids = scored.map((s) => s.signals.customerRowId);
  const atIso = at.toISOString();

  return db.$transaction(
    async (tx) => {
      // Raw SQL where it is set-based or locks: the current scores are read FOR UPDATE, and the scores
      // are upserted with one INSERT ... ON CONFLICT DO UPDATE over the whole batch.
      const previous = await tx.$queryRaw<{ customerId: string; score: number; band: RiskBand; computedAt: Date }[]>`
        SELECT "customerId", "score", "band", "computedAt" FROM "ChurnScore"
        WHERE "customerId" = ANY(${ids}::text[]) ORDER BY "customerId" FOR UPDATE`;
      const before = new Map(previous.map((row) => [row.customerId, row]));
      const writes = scored.filter((s) => {
        const prior = before.get(s.signals.customerRowId);
        return !prior || prior.computedAt.getTime() <= at.getTime();
      });
      if (writes.length > 0) {
        await tx.$executeRaw`
          INSERT INTO "ChurnScore" ("customerId", "score", "band", "source", "modelScore", "modelBand", "externalScore", "externalSource",
                                    "pAlive", "expectedOrders90", "predictedValue", "expectedNextOrderAt", "factors", "reasons", "computedAt", "computedBy")
          SELECT id, score, band, source, model_score, model_band, external_score, external_source, p_alive, expected_orders,
                 predicted_value, next_order_at, factors, reasons, ${atIso}::timestamptz, computed_by
          FROM unnest(
            ${writes.map((w) => w.signals.customerRowId)}::text[], ${writes.map((w) => w.risk.score)}::float8[],
            ${writes.map((w) => w.risk.band)}::"ChurnBand"[], ${writes.map((w) => w.risk.source)}::text[],
            ${writes.map((w) => w.risk.modelScore)}::float8[], ${writes.map((w) => w.risk.modelBand)}::"ChurnBand"[],
            ${writes.map((w) => finiteOrNull(w.risk.external?.score))}::float8[], ${writes.map((w) => w.risk.external?.source ?? null)}::text[],
            ${writes.map((w) => finiteOrNull(w.risk.model?.pAlive))}::float8[],
            ${writes.map((w) => finiteOrNull(w.risk.model?.expectedOrders90))}::float8[],
            ${writes.map((w) => finiteOrNull(w.predictedValue))}::float8[],
            ${writes.map((w) => w.risk.model?.nextOrderDate?.toISOString() ?? null)}::timestamptz[],
            ${writes.map((w) => JSON.stringify(w.risk.contributions))}::jsonb[], ${writes.map((w) => JSON.stringify(w.risk.reasons))}::jsonb[],
            ${writes.map((w) => w.computedBy)}::text[]
          ) AS u(id, score, band, source, model_score, model_band, external_score, external_source, p_alive, expected_orders,
                 predicted_value, next_order_at, factors, reasons, computed_by)
          ON CONFLICT ("customerId") DO UPDATE SET
            "score" = EXCLUDED."score", "band" = EXCLUDED."band", "source" = EXCLUDED."source",
            "modelScore" = EXCLUDED."modelScore", "modelBand" = EXCLUDED."modelBand",
            "externalScore" = EXCLUDED."externalScore", "externalSource" = EXCLUDED."externalSource",
            "pAlive" = EXCLUDED."pAlive", "expectedOrders90" = EXCLUDED."expectedOrders90", "predictedValue" = EXCLUDED."predictedValue",
            "expectedNextOrderAt" = EXCLUDED."expectedNextOrderAt", "factors" = EXCLUDED."factors", "reasons" = EXCLUDED."reasons",
            "computedAt" = EXCLUDED."computedAt", "computedBy" = EXCLUDED."computedBy"`;
      }
      if (writes.length > 0) {
        // The at-risk list's sort keys on the customer (score in force, band, spend in the 365 days before
        // `at`, value at risk), in the same transaction as the score they copy. Raw SQL because it is
        // set-based: one UPDATE ... FROM over the batch, the spend summed per customer by a lateral join
        // on Order(customerId, placedAt). The customer rows are locked first, in id order, with a SELECT ... FOR
        // NO KEY UPDATE (an UPDATE ... FROM locks in whatever order its join runs), so two scorings of
        // overlapping customers (the nightly page and the refresh after an order) queue rather than deadlock.
        const writeIds = writes.map((w) => w.signals.customerRowId);
        await tx.$queryRaw`SELECT 1 FROM "Customer" WHERE "id" = ANY(${writeIds}::text[]) ORDER BY "id" FOR NO KEY UPDATE`;
        await tx.$executeRaw`
          UPDATE "Customer" c SET "riskScore" = v.score, "riskBand" = v.band, "value" = s.spend,
                 "riskValue" = v.score / 100.0 * COALESCE(v.predicted, s.spend)
          FROM unnest(${writeIds}::text[], ${writes.map((w) => w.risk.score)}::float8[],
                      ${writes.map((w) => w.risk.band)}::"ChurnBand"[],
                      ${writes.map((w) => finiteOrNull(w.predictedValue))}::float8[]) AS v(id, score, band, predicted)
          CROSS JOIN LATERAL (
            SELECT COALESCE(SUM(o."total" - o."refundedAmount"), 0)::float8 AS spend FROM "Order" o
            WHERE o."customerId" = v.id AND o."placedAt" > ${atIso}::timestamptz - interval '365 days'
              AND o."placedAt" <= ${atIso}::timestamptz
          ) s
          WHERE c."id" = v.id`;
      }
      const changed = writes.filter((w) => {
        const prior = before.get(w.signals.customerRowId);
        return !prior || tenths(prior.score) !== tenths(w.risk.score) || prior.band !== w.risk.band;
      });
      if (changed.length > 0) {
        await tx.churnScoreHistory.createMany({
          data: changed.map((w) => ({
            customerId: w.signals.customerRowId,
            score: w.risk.score,
            band: w.risk.band,
            modelScore: w.risk.modelScore,
            computedAt: at,
            computedBy: w.computedBy,
          })),
        });
      }
      // A first score announces no band change (above), but a high one tells someone: one `at_risk` alert per
      // customer, unique by customer, delivered in the daily digest (workspace/alert-delivery.ts), not one email each.
      const firstHigh = writes.filter((w) => !before.has(w.signals.customerRowId) && w.risk.band === 'high');
      if (firstHigh.length > 0) {
        await tx.alert.createMany({
          data: firstHigh.map((w) => ({
            dedupeKey: `first-high:${w.signals.customerRowId}`,
            kind: 'at_risk',
            customerId: w.signals.customerRowId,
            title: 'Churn risk is high on the first score',
            detail: { score: w.risk.score, reasons: [...w.risk.reasons] },
            createdAt: at,
          })),
          skipDuplicates: true,
        });
      }
      const bandChanged = writes.flatMap((w) => {
        const prior = before.get(w.signals.customerRowId);
        if (!prior || prior.band === w.risk.band) return [];
        return [
          {
            id: bandChangeEventId(w.signals.customerRowId, w.risk.band, w.computedBy),
            customerRowId: w.signals.customerRowId,
            customerId: w.signals.externalId,
            properties: { from: prior.band, to: w.risk.band, score: w.risk.score },
          },
        ];
      });
      let inserted = new Set<string>();
      if (bandChanged.length > 0) {
        // Only the events that are new (ON CONFLICT DO NOTHING ... RETURNING "id").
        const rows = await tx.event.createManyAndReturn({
          data: bandChanged.map((e) => ({
            id: e.id,
            type: BAND_CHANGED,
            customerId: e.customerRowId,
            occurredAt: at,
            properties: e.properties,
          })),
          skipDuplicates: true,
          select: { id: true },
        });
        inserted = new Set(rows.map((row) => row.id));
      }
      const events: RoutableEvent[] = bandChanged
        .filter((e) => inserted.has(e.id))
        .map((e) => ({ ...e, type: BAND_CHANGED, occurredAt: at }));
      if (options.page) {
        await tx.churnScoringPage.update({
          where: { runId_page: { runId: options.page.runId, page: options.page.page } },
          data: {
            cursor: options.page.cursor,
            scored: { increment: options.customerRowIds.length },
            changed: { increment: changed.length },
            bandChanges: { increment: events.length },
          },
          select: { runId: true },
        });
      }
      return { scored: options.customerRowIds.length, changed: changed.length, bandChanges: events.length, events };
    },
    { timeout: 60_000, maxWait: 20_000 },
  );
}
