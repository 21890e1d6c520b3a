// A/B splits: which variant of a split step a customer takes. A stable hash of (journey, step,
// customer), so the same customer always takes the same variant of a step whatever process or retry
// asks, and independently of the holdout, which hashes (journey, customer) alone.
import { stableBucket } from '../policy/holdout.ts';

export type WeightedVariant = { id: string; weight: number };

/** The variant for this customer: variant i is taken with probability weight_i / sum of weights. */
export function assignVariant<V extends WeightedVariant>(
  journeyKey: string,
  stepId: string,
  customerId: string,
  variants: readonly V[],
): V {
  const total = variants.reduce((sum, variant) => sum + variant.weight, 0);
  if (variants.length === 0 || !(total > 0)) throw new RangeError('a split needs at least one variant with a positive weight');
  const point = stableBucket('split', journeyKey, stepId, customerId) * total;
  let reached = 0;
  for (const variant of variants) {
    reached += variant.weight;
    if (point < reached) return variant;
  }
  // Rounding at the very top of the range: the last variant with weight.
  return [...variants].reverse().find((variant) => variant.weight > 0) as V;
}
