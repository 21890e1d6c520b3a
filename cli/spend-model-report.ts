// `aftercare churn fit`'s Gamma-Gamma lines: the spend model fitted to a transactions file, in words.
import type { CustomerRecord } from '../core/churn/summary.ts';
import { fixed, int } from './format.ts';

/**
 * The Gamma-Gamma spend model's lines of `churn fit`: fitted on the repeat customers' mean order value per
 * repeat order day, the first order day excluded (as Fader & Hardie do: the first purchase is the
 * acquisition, and its value often differs), over customers whose repeat days have a positive mean amount.
 */
export async function spendModelLines(rows: readonly CustomerRecord[]): Promise<string[]> {
  const { fitGammaGamma, gammaGammaStandardErrors, populationMeanSpend } = await import('../core/churn/gamma-gamma.ts');
  const spend = rows.flatMap((c) =>
    c.x > 0 && c.meanRepeatSpend !== null && c.meanRepeatSpend > 0 ? [{ x: c.x, meanValue: c.meanRepeatSpend }] : [],
  );
  const leftOut = rows.filter((c) => c.x > 0).length - spend.length;
  const without = leftOut > 0 ? `; ${int(leftOut)} without a positive amount left out` : '';
  if (spend.length === 0) return [`Gamma-Gamma spend model: not fitted (no repeat customer has order amounts${without}).`];
  const t0 = performance.now();
  const fit = fitGammaGamma(spend);
  const t1 = performance.now();
  const errors = fit.converged ? gammaGammaStandardErrors(fit.params, spend) : null;
  const se = (key: 'p' | 'q' | 'gamma') => (errors ? `  (standard error ${fixed(errors.params[key], 4)})` : '');
  const observed = spend.reduce((sum, c) => sum + c.meanValue, 0) / spend.length;
  // Two edges of the parameter space a fit can run to: q, v -> ∞ at a fixed p·v/(q-1) (every customer's
  // order values share one distribution), and p -> ∞ (each customer's orders are all worth the same).
  const edge = fit.converged
    ? null
    : fit.params.q > 1e6
      ? "The fit ran off to q, v -> infinity: it finds no difference between the customers' spend beyond chance, so it expects every customer's orders to be worth the mean above."
      : fit.params.p > 1e6
        ? "The fit ran off to p -> infinity: it finds no variation in the values of a customer's orders, so it expects each customer's orders to be worth their own mean."
        : null;
  return [
    `Gamma-Gamma spend model (maximum likelihood on ${int(spend.length)} repeat customers' mean order value, first order excluded${without}):`,
    `  p      ${fixed(fit.params.p, 6)}${se('p')}`,
    `  q      ${fixed(fit.params.q, 6)}${se('q')}`,
    `  v      ${fixed(fit.params.gamma, 6)}${se('gamma')}`,
    `Mean order value: ${fixed(populationMeanSpend(fit.params), 2)} expected (p·v/(q-1)); ${fixed(observed, 2)} observed (mean of the customers' means)`,
    `Spend fit: log-likelihood ${fixed(fit.logLikelihood, 4)}; converged: ${fit.converged ? 'yes' : `no (${fit.stopReason})`}; ${fit.iterations} BFGS iterations; ${fixed(t1 - t0, 1)} ms`,
    ...(edge === null ? [] : [edge]),
  ];
}
