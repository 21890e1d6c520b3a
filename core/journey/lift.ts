// Holdout lift: how much more often treated customers reach the goal than the control group, with a
// 95% confidence interval for that difference. Pure arithmetic, no I/O.
//
// The interval is Newcombe's hybrid score interval (Newcombe 1998, "Interval estimation for the
// difference between independent proportions", Statistics in Medicine 17:873-890, method 10): the
// Wilson score interval of each rate, combined. Unlike the Wald interval it stays inside [-1, 1], does
// not collapse to a point when a group converts 0% or 100%, and keeps close to its nominal coverage for
// the small groups a fresh journey or a 5% holdout produces.

/** The two-sided 97.5% quantile of the standard normal distribution. */
export const Z_95 = 1.959963984540054;

export type Interval = { lower: number; upper: number };

export type GroupCounts = { enrolled: number; converted: number };

export type Lift = {
  treatmentRate: number;
  controlRate: number;
  /** treatment rate - control rate, as a proportion (0.04 = four percentage points). */
  absolute: number;
  /** The 95% interval of `absolute`. */
  interval: Interval;
  /** `absolute / controlRate`; null when the control group never converts. */
  relative: number | null;
  /** The interval excludes zero. */
  significant: boolean;
  method: 'newcombe-hybrid-score';
};

function checkCounts(converted: number, n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`a group needs a positive whole number of enrollments, not ${n}`);
  if (!Number.isInteger(converted) || converted < 0 || converted > n) {
    throw new RangeError(`conversions must be a whole number between 0 and ${n}, not ${converted}`);
  }
}

/** The Wilson score interval of a proportion `converted / n` (no continuity correction). */
export function wilsonInterval(converted: number, n: number, z = Z_95): Interval {
  checkCounts(converted, n);
  const p = converted / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At p = 0 or 1 one bound is exactly p; clamp away rounding noise.
  return { lower: Math.max(0, Math.min(p, centre - half)), upper: Math.min(1, Math.max(p, centre + half)) };
}

/**
 * Newcombe's hybrid score interval for p1 - p2 (p1 = x1/n1, p2 = x2/n2):
 *   L = (p1 - p2) - sqrt((p1 - l1)^2 + (u2 - p2)^2)
 *   U = (p1 - p2) + sqrt((u1 - p1)^2 + (p2 - l2)^2)
 * where [l1, u1] and [l2, u2] are the Wilson intervals of p1 and p2.
 */
export function newcombeInterval(x1: number, n1: number, x2: number, n2: number, z = Z_95): Interval {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const a = wilsonInterval(x1, n1, z);
  const b = wilsonInterval(x2, n2, z);
  const d = p1 - p2;
  return {
    lower: d - Math.sqrt((p1 - a.lower) ** 2 + (b.upper - p2) ** 2),
    upper: d + Math.sqrt((a.upper - p1) ** 2 + (p2 - b.lower) ** 2),
  };
}

/** The Wald interval (p1 - p2) ± z·sqrt(p1q1/n1 + p2q2/n2): textbook, but degenerate at 0% or 100%. */
export function waldInterval(x1: number, n1: number, x2: number, n2: number, z = Z_95): Interval {
  checkCounts(x1, n1);
  checkCounts(x2, n2);
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  return { lower: p1 - p2 - z * se, upper: p1 - p2 + z * se };
}

/** The lift of treatment over control; null while either group is empty. */
export function holdoutLift(treatment: GroupCounts, control: GroupCounts): Lift | null {
  if (treatment.enrolled === 0 || control.enrolled === 0) return null;
  const treatmentRate = treatment.converted / treatment.enrolled;
  const controlRate = control.converted / control.enrolled;
  const interval = newcombeInterval(treatment.converted, treatment.enrolled, control.converted, control.enrolled);
  return {
    treatmentRate,
    controlRate,
    absolute: treatmentRate - controlRate,
    interval,
    relative: controlRate > 0 ? (treatmentRate - controlRate) / controlRate : null,
    significant: interval.lower > 0 || interval.upper < 0,
    method: 'newcombe-hybrid-score',
  };
}

/** One variant of an A/B split: its enrollments and how many reached the goal. */
export type VariantCounts = { key: string; enrolled: number; converted: number };

/** The difference of a variant's rate against the first variant's, with its 95% Newcombe interval. */
export type VariantDifference = { absolute: number; interval: Interval; significant: boolean };

export type VariantComparison = VariantCounts & {
  rate: number | null;
  /** The 95% Wilson interval of the rate; null while the variant has no enrollment. */
  interval: Interval | null;
  /** Against the first variant; null for the first itself, and while either has no enrollment. */
  difference: VariantDifference | null;
};

/**
 * The variants of a split compared with the first one (the reference, as the holdout is for lift).
 * A winner is named only when the intervals decide it: the best of the variants whose difference
 * interval lies wholly above zero, or the first when every other one's lies wholly below; else null.
 */
export function compareVariants(variants: readonly VariantCounts[]): { variants: VariantComparison[]; winner: string | null } {
  const [first] = variants;
  const compared = variants.map((variant, index): VariantComparison => {
    const rate = variant.enrolled > 0 ? variant.converted / variant.enrolled : null;
    let difference: VariantDifference | null = null;
    if (index > 0 && first && first.enrolled > 0 && variant.enrolled > 0) {
      const interval = newcombeInterval(variant.converted, variant.enrolled, first.converted, first.enrolled);
      difference = {
        absolute: variant.converted / variant.enrolled - first.converted / first.enrolled,
        interval,
        significant: interval.lower > 0 || interval.upper < 0,
      };
    }
    return { ...variant, rate, interval: rate === null ? null : wilsonInterval(variant.converted, variant.enrolled), difference };
  });
  const others = compared.slice(1);
  const better = others
    .filter((variant) => variant.difference !== null && variant.difference.interval.lower > 0)
    .sort((a, b) => (b.rate ?? 0) - (a.rate ?? 0));
  if (better[0]) return { variants: compared, winner: better[0].key };
  const firstWins =
    first !== undefined &&
    others.length > 0 &&
    others.every((variant) => variant.difference !== null && variant.difference.interval.upper < 0);
  return { variants: compared, winner: firstWins ? (first?.key ?? null) : null };
}
