// Holdout assignment: a stable hash of (journey, customer), so a customer is always in the same group
// of a journey, whatever process or retry asks, and groups are independent across journeys.

/** FNV-1a, 32 bits: small, fast and well spread for short keys. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * A stable point in [0, 1) for the parts of a key: the same parts give the same point in every process,
 * and keys that differ anywhere spread across the whole range.
 */
export function stableBucket(...parts: string[]): number {
  // Mix the hash once more so that keys differing only at the end spread across the whole range.
  let h = fnv1a(parts.join('\u0000'));
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return (h >>> 0) / 2 ** 32;
}

/** `holdoutPercent` in [0, 100]: the share of customers enrolled as control. */
export function assignGroup(journeyKey: string, customerId: string, holdoutPercent: number): 'treatment' | 'control' {
  if (holdoutPercent <= 0) return 'treatment';
  return stableBucket(journeyKey, customerId) * 100 < holdoutPercent ? 'control' : 'treatment';
}
