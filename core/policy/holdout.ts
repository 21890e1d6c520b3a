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

/** `holdoutPercent` in [0, 100]: the share of customers enrolled as control. */
export function assignGroup(journeyKey: string, customerId: string, holdoutPercent: number): 'treatment' | 'control' {
  if (holdoutPercent <= 0) return 'treatment';
  // Mix the hash once more so that keys differing only at the end spread across the whole range.
  let h = fnv1a(`${journeyKey}\u0000${customerId}`);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  const bucket = (h >>> 0) / 2 ** 32;
  return bucket * 100 < holdoutPercent ? 'control' : 'treatment';
}
