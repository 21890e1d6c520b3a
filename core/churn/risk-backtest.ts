// The backtest of risk-model.ts on a transactions file (`aftercare churn score|evaluate`, tests, bench): the
// file's customers as of the cut-off (now - H days), described by the same features as the score (no
// service signals: a file has orders only), each labelled by whether they ordered in the H days after.
import { computeModelOutputs, HORIZON_DAYS } from './customer-forecast.ts';
import { chooseModelParameters } from './model-choice.ts';
import { rhythmFromSummary, typicalOrderGapDays } from './order-rhythm.ts';
import { computeRiskFeatures } from './risk-features.ts';
import { isHoldoutCustomer, type LearnedRiskModel, learnRiskModel, type RiskExample } from './risk-model.ts';
import type { TimeUnit, Transaction } from './summary.ts';
import { MS_PER_DAY, summarizeTransactions } from './summary.ts';

/** The cut-off of a backtest as of `now`: the start of the UTC day H days before `now`'s. */
export function backtestCutoff(now: Date, horizonDays: number): Date {
  return new Date((Math.floor(now.getTime() / MS_PER_DAY) - horizonDays) * MS_PER_DAY);
}

/**
 * Learns the score's weights as the product would at `now`, from the transactions up to the calendar day
 * of `now` (later ones are not looked at).
 */
export function learnRiskModelFromTransactions(
  transactions: readonly Transaction[],
  options: { readonly now: Date; readonly horizonDays?: number; readonly unit?: TimeUnit },
): LearnedRiskModel {
  const horizonDays = options.horizonDays ?? HORIZON_DAYS;
  const unit = options.unit ?? 'weeks';
  const cutoff = backtestCutoff(options.now, horizonDays);
  const summary = summarizeTransactions(transactions, { calibrationEnd: cutoff, observationEnd: options.now, unit });
  const choice = chooseModelParameters(summary.customers, { unit });
  const rhythms = summary.customers.map((c) => rhythmFromSummary(c, unit));
  const typicalGapDays = typicalOrderGapDays(rhythms);
  const examples: RiskExample[] = summary.customers.map((customer, i) => {
    const rhythm = rhythms[i] as (typeof rhythms)[number];
    const model = computeModelOutputs(choice.params, unit, rhythm, cutoff, horizonDays);
    return {
      features: computeRiskFeatures({ now: cutoff, rhythm, model, typicalGapDays }).values,
      noOrder: customer.holdoutPurchases === 0,
      holdout: isHoldoutCustomer(customer.customerId),
      recencyDays: rhythm.daysSinceLastOrder,
      modelNoOrder: 1 - model.pOrder90,
    };
  });
  return learnRiskModel(examples, { horizonDays, cutoff });
}
