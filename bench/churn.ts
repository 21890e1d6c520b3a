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
import type { BgNbdParams, CustomerSummary } from '../core/churn/bgnbd.ts';
import { customerLogLikelihood, logLikelihoodAndGradient, prepareSummaries } from '../core/churn/bgnbd.ts';
import { computeModelOutputs } from '../core/churn/customer-forecast.ts';
import { fitBgNbd } from '../core/churn/fit.ts';
import { rhythmFromSummary, typicalOrderGapDays } from '../core/churn/order-rhythm.ts';
import { scoreChurnRisk } from '../core/churn/risk-score.ts';
import { createRandom, simulateSummaries } from '../core/churn/synthetic.ts';
import { fmt } from './stats.ts';

const CDNOW: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const SIZES = [10_000, 100_000, 1_000_000];
const FIT_SAMPLE = 100_000;
const NOW = new Date('2026-01-01T00:00:00Z');

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
  const fit = timeFit(n > FIT_SAMPLE ? rows.slice(0, FIT_SAMPLE) : rows);
  const full = n > FIT_SAMPLE ? timeFit(rows) : null;

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
      checksum += scoreChurnRisk({ now: NOW, rhythm, model, typicalGapDays }).score;
    }
  });
  // Baseline: the per-customer log-likelihood over the same customers.
  let llSum = 0;
  const llPerCustomerMs = median(repeats, () => {
    for (const row of rows) llSum += customerLogLikelihood(params, row);
  });
  if (!Number.isFinite(checksum + llSum)) throw new Error('non-finite result');
  return { ...fit, n, full, scoreMs, llPerCustomerMs };
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
