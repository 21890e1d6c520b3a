// The churn model at 10k, 100k and 1M synthetic CDNOW-like customers (r = 0.243, α = 4.414, a = 0.793,
// b = 2.426, acquired over 12 weeks, observed for 27-39 weeks, times on whole days as summaries of real
// orders are): the maximum-likelihood fit and the risk scoring of every customer, each beside a baseline
// measured in the same run on the same rows:
//  - fit: against one evaluation of the log-likelihood (with its gradient) over the same collapsed rows,
//    i.e. "the fit costs N likelihood evaluations";
//  - scoring (P(alive), expected orders in 90 days, next-order date, risk score and reasons per customer):
//    against the per-customer log-likelihood over the same customers.
// One thread, no I/O, after a warm-up run (JIT). Above 100k customers the fit runs on a 100k random sample
// (the summaries are i.i.d., so the first 100k are one), and the fit of all of them is timed beside it: the
// collapse of identical (x, t_x, T) rows makes it affordable too.
//  - the nightly fit with its backtest (core/churn/risk-model.ts: a sample of up to 20k customers as of the
//    cut-off H = 90 days earlier, the BG/NBD refitted to them, their features, the logistic regression of
//    what they did in the next 90 days, the holdout figures) and the Gamma-Gamma spend fit, beside today's
//    fit; and the nightly CPU work (fit + scoring everyone) with the backtest against without it.
import type { BgNbdParams, CustomerSummary } from '../core/churn/bgnbd.ts';
import { customerLogLikelihood, logLikelihoodAndGradient, prepareSummaries } from '../core/churn/bgnbd.ts';
import { computeModelOutputs } from '../core/churn/customer-forecast.ts';
import { fitSpendModel, SPEND_SAMPLE_SIZE } from '../core/churn/customer-value.ts';
import { fitBgNbd } from '../core/churn/fit.ts';
import { chooseModelParameters } from '../core/churn/model-choice.ts';
import { rhythmFromSummary, typicalOrderGapDays } from '../core/churn/order-rhythm.ts';
import { computeRiskFeatures, type RiskModel } from '../core/churn/risk-features.ts';
import { BACKTEST_SAMPLE_SIZE, type LearnedRiskModel, learnRiskModel, type RiskExample } from '../core/churn/risk-model.ts';
import { PRIOR_RISK_MODEL, scoreChurnRisk } from '../core/churn/risk-score.ts';
import { createRandom, sampleGamma, simulateSummaries } from '../core/churn/synthetic.ts';
import { fmt } from './stats.ts';

const CDNOW: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const SIZES = [10_000, 100_000, 1_000_000];
const FIT_SAMPLE = 100_000;
const NOW = new Date('2026-01-01T00:00:00Z');
const HORIZON_DAYS = 90;
const CUTOFF = new Date(NOW.getTime() - HORIZON_DAYS * 86_400_000);

/**
 * What the backtest sees: up to BACKTEST_SAMPLE_SIZE customers as of the cut-off (T 90 days shorter), with
 * their orders in the 90 days after, and mean repeat order values drawn from the Gamma-Gamma model (CDNOW:
 * p = 6.25, q = 3.74, γ = 15.44) for the spend fit of the fit sample.
 */
function backtestInput(n: number, seed: number) {
  const random = createRandom(seed);
  const sample = simulateSummaries(CDNOW, {
    customers: Math.min(n, BACKTEST_SAMPLE_SIZE),
    T: (_i, r) => Math.round((39 - 12 * r() - HORIZON_DAYS / 7) * 7) / 7,
    holdoutLength: HORIZON_DAYS / 7,
    random,
  }).map((c) => ({ x: c.x, tx: Math.min(Math.round(c.tx * 7) / 7, c.T), T: c.T, holdout: c.holdout }));
  return { sample, random };
}

interface BacktestTiming {
  /** BG/NBD refit at the cut-off, features, logistic regression, holdout figures. */
  backtestMs: number;
  /** Gamma-Gamma fit on up to SPEND_SAMPLE_SIZE of the fit sample's repeat customers. */
  spendMs: number;
  customers: number;
  learned: LearnedRiskModel;
}

function timeBacktest(n: number, seed: number, fitRows: readonly CustomerSummary[]): BacktestTiming {
  const { sample, random } = backtestInput(n, seed);
  const spendRows = fitRows.flatMap((row) => {
    if (row.x === 0) return [];
    const nu = sampleGamma(random, 3.74, 15.44);
    return [{ x: row.x, meanRepeatSpend: sampleGamma(random, 6.25 * row.x, nu) / row.x }];
  });
  const spendSample = spendRows.slice(0, SPEND_SAMPLE_SIZE);
  // Medians of three runs: one run on a machine shared with others is noisy.
  let learned: LearnedRiskModel | null = null;
  const backtestMs = median(3, () => {
    const choice = chooseModelParameters(sample);
    const rhythms = sample.map((row) => rhythmFromSummary(row, 'weeks'));
    const typicalGapDays = typicalOrderGapDays(rhythms);
    const examples: RiskExample[] = sample.map((row, i) => {
      const rhythm = rhythms[i] as (typeof rhythms)[number];
      const model = computeModelOutputs(choice.params, 'weeks', rhythm, CUTOFF, HORIZON_DAYS);
      return {
        features: computeRiskFeatures({ now: CUTOFF, rhythm, model, typicalGapDays }).values,
        noOrder: row.holdout === 0,
        holdout: i % 10 < 3,
        recencyDays: rhythm.daysSinceLastOrder,
        modelNoOrder: 1 - model.pOrder90,
      };
    });
    learned = learnRiskModel(examples, { horizonDays: HORIZON_DAYS, cutoff: CUTOFF });
  });
  const spendMs = median(3, () => {
    if (!fitSpendModel(spendSample)) throw new Error('no spend model');
  });
  return { backtestMs, spendMs, customers: sample.length, learned: learned as unknown as LearnedRiskModel };
}

/** CDNOW-like customers with T and t_x on whole days (in weeks), as `summarizeTransactions` gives them. */
function customers(n: number, seed: number): CustomerSummary[] {
  const simulated = simulateSummaries(CDNOW, {
    customers: n,
    T: (_i, random) => Math.round((39 - 12 * random()) * 7) / 7,
    random: createRandom(seed),
  });
  return simulated.map(({ x, tx, T }) => ({ x, tx: Math.min(Math.round(tx * 7) / 7, T), T }));
}

function time<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

/** Median of `repeats` timings (ms). */
function median(repeats: number, f: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) times.push(time(f).ms);
  times.sort((p, q) => p - q);
  return times[repeats >> 1] as number;
}

interface FitTiming {
  fitted: number;
  /** Collapse + BFGS. */
  fitMs: number;
  prepareMs: number;
  bfgsMs: number;
  distinctRows: number;
  evaluations: number;
  /** One log-likelihood-and-gradient evaluation over the same collapsed rows. */
  llEvalMs: number;
  params: BgNbdParams;
}

interface SizeResult extends FitTiming {
  n: number;
  full: FitTiming | null;
  scoreMs: number;
  llPerCustomerMs: number;
  backtest: BacktestTiming;
}

function timeFit(rows: readonly CustomerSummary[]): FitTiming {
  const prepared = time(() => prepareSummaries(rows));
  const fit = time(() => fitBgNbd(prepared.value));
  if (!fit.value.converged) throw new Error(`the fit of ${rows.length} customers did not converge (${fit.value.stopReason})`);
  const llEvalMs = median(7, () => logLikelihoodAndGradient(fit.value.params, prepared.value));
  return {
    fitted: rows.length,
    fitMs: prepared.ms + fit.ms,
    prepareMs: prepared.ms,
    bfgsMs: fit.ms,
    distinctRows: fit.value.distinctRows,
    evaluations: fit.value.functionEvaluations,
    llEvalMs,
    params: fit.value.params,
  };
}

function run(n: number, seed: number): SizeResult {
  const rows = customers(n, seed);
  const fitRows = n > FIT_SAMPLE ? rows.slice(0, FIT_SAMPLE) : rows;
  const fit = timeFit(fitRows);
  const full = n > FIT_SAMPLE ? timeFit(rows) : null;
  const backtest = timeBacktest(n, seed + 500, fitRows);
  const riskModel: RiskModel = backtest.learned.model.source === 'backtest' ? backtest.learned.model : PRIOR_RISK_MODEL;

  // Scoring every customer with the fitted parameters.
  const params = fit.params;
  const unit = 'weeks';
  // Small sizes are repeated (median) so that each timing covers at least 200k customers.
  const repeats = Math.max(1, Math.ceil(200_000 / n));
  let checksum = 0;
  const scoreMs = median(repeats, () => {
    const rhythms = rows.map((row) => rhythmFromSummary(row, unit));
    const typicalGapDays = typicalOrderGapDays(rhythms);
    for (const rhythm of rhythms) {
      const model = computeModelOutputs(params, unit, rhythm, NOW);
      checksum += scoreChurnRisk({ now: NOW, rhythm, model, typicalGapDays, riskModel }).score;
    }
  });
  // Baseline: the per-customer log-likelihood over the same customers.
  let llSum = 0;
  const llPerCustomerMs = median(repeats, () => {
    for (const row of rows) llSum += customerLogLikelihood(params, row);
  });
  if (!Number.isFinite(checksum + llSum)) throw new Error('non-finite result');
  return { ...fit, n, full, scoreMs, llPerCustomerMs, backtest };
}

const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

export async function benchChurn(): Promise<Record<string, number>> {
  console.log('churn  BG/NBD fit and risk scoring on synthetic CDNOW-like customers (one thread, no I/O)');
  console.log(`  the fit above ${label(FIT_SAMPLE)} customers runs on a ${label(FIT_SAMPLE)} random sample; scoring covers every customer`);
  run(SIZES[0] as number, 999); // warm-up: JIT, not reported
  const results: Record<string, number> = {};
  const all: SizeResult[] = [];
  const fitLines = (f: FitTiming, what: string) => {
    console.log(
      `    fit       ${fmt(f.fitMs, 0)} ms ${what}: collapse to ${f.distinctRows.toLocaleString('en-US')} distinct (x, t_x, T) rows ${fmt(f.prepareMs, 0)} ms, BFGS ${fmt(f.bfgsMs, 0)} ms with ${f.evaluations} likelihood evaluations`,
    );
    console.log(
      `    baseline  ${fmt(f.llEvalMs, 2)} ms per log-likelihood evaluation over the same rows; BFGS costs ${fmt(f.bfgsMs / f.llEvalMs, 1)} of them, the whole fit ${fmt(f.fitMs / f.llEvalMs, 1)}`,
    );
  };
  for (const [i, n] of SIZES.entries()) {
    const r = run(n, 1000 + i);
    all.push(r);
    const scorePerSecond = r.n / (r.scoreMs / 1000);
    const llPerSecond = r.n / (r.llPerCustomerMs / 1000);
    console.log(`  ${label(n).padEnd(4)} customers`);
    fitLines(r, r.fitted < r.n ? `on a random sample of ${label(r.fitted)}` : `on all ${label(r.fitted)}`);
    if (r.full) fitLines(r.full, `on all ${label(r.full.fitted)} (for comparison)`);
    const b = r.backtest;
    const auc = b.learned.backtest?.auc;
    console.log(
      `    backtest  ${fmt(b.backtestMs, 0)} ms on ${label(b.customers)} customers at the cut-off (refit, features, logistic regression, holdout: AUC score ${fmt(auc?.score ?? Number.NaN, 3)}, recency ${fmt(auc?.recency ?? Number.NaN, 3)}); spend fit ${fmt(b.spendMs, 0)} ms`,
    );
    const fitToday = r.fitMs;
    const fitWithBacktest = r.fitMs + b.backtestMs + b.spendMs;
    const nightlyToday = r.fitMs + r.scoreMs;
    const nightlyWithBacktest = fitWithBacktest + r.scoreMs;
    console.log(
      `    nightly   fit with backtest ${fmt(fitWithBacktest, 0)} ms against today's fit ${fmt(fitToday, 0)} ms (x${fmt(fitWithBacktest / fitToday, 2)}); fit + scoring everyone ${fmt(nightlyWithBacktest / 1000, 2)} s against ${fmt(nightlyToday / 1000, 2)} s without the backtest (x${fmt(nightlyWithBacktest / nightlyToday, 2)}, at most x2 allowed)`,
    );
    console.log(
      `    scoring   ${fmt(scorePerSecond, 0)} customers/s (${fmt(r.scoreMs / 1000, 2)} s); baseline per-customer log-likelihood ${fmt(llPerSecond, 0)} customers/s; ratio ${fmt(scorePerSecond / llPerSecond, 3)}`,
    );
    const key = `churn.${label(n)}`;
    results[`${key}.fit_ms`] = r.fitMs;
    results[`${key}.fit_customers`] = r.fitted;
    results[`${key}.loglik_eval_ms`] = r.llEvalMs;
    results[`${key}.fit_in_loglik_evals`] = r.fitMs / r.llEvalMs;
    results[`${key}.score_customers_per_s`] = scorePerSecond;
    results[`${key}.baseline_loglik_customers_per_s`] = llPerSecond;
    results[`${key}.score_ratio`] = scorePerSecond / llPerSecond;
    results[`${key}.backtest_ms`] = b.backtestMs;
    results[`${key}.spend_fit_ms`] = b.spendMs;
    results[`${key}.fit_with_backtest_ms`] = fitWithBacktest;
    results[`${key}.nightly_with_backtest_ratio`] = nightlyWithBacktest / nightlyToday;
    if (r.full) {
      results[`${key}.full_fit_ms`] = r.full.fitMs;
      results[`${key}.full_loglik_eval_ms`] = r.full.llEvalMs;
    }
  }
  console.log('  growth    time per customer relative to the size before (fits grow less than linearly: identical rows collapse)');
  for (let i = 1; i < all.length; i++) {
    const a = all[i - 1] as SizeResult;
    const b = all[i] as SizeResult;
    // compare fits of all customers at both sizes (the full fit where the reported one is on a sample)
    const fa = a.full ?? a;
    const fb = b.full ?? b;
    const fitGrowth = fb.fitMs / fb.fitted / (fa.fitMs / fa.fitted);
    const llGrowth = fb.llEvalMs / fb.fitted / (fa.llEvalMs / fa.fitted);
    const scoreGrowth = b.scoreMs / b.n / (a.scoreMs / a.n);
    console.log(
      `    ${label(a.n)} -> ${label(b.n)}: fit of all x${fmt(fitGrowth, 2)}, one likelihood evaluation x${fmt(llGrowth, 2)}, scoring x${fmt(scoreGrowth, 2)} (x1.00 = linear)`,
    );
    results[`churn.growth_${label(a.n)}_${label(b.n)}.fit_per_customer`] = fitGrowth;
    results[`churn.growth_${label(a.n)}_${label(b.n)}.score_per_customer`] = scoreGrowth;
  }
  return results;
}
