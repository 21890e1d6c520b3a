// Checking a zone or a locale builds an Intl formatter, which is slow; events repeat the same few
// values, so each answer is remembered (bounded, for a hostile stream of distinct values).
const MAX_REMEMBERED = 10_000;
const zones = new Map<string, boolean>();
const tags = new Map<string, boolean>();

function remember(cache: Map<string, boolean>, key: string, compute: () => boolean): boolean {
  const known = cache.get(key);
  if (known !== undefined) return known;
  const value = compute();
  if (cache.size >= MAX_REMEMBERED) cache.clear();
  cache.set(key, value);
  return value;
}

/** True when `zone` is an IANA time zone this runtime knows (e.g. `Europe/Paris`). */
export function isIanaTimeZone(zone: string): boolean {
  return remember(zones, zone, () => {
    if (!zone.includes('/') && zone !== 'UTC') return false;
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  });
}

/** True when `tag` is a well-formed BCP-47 language tag (e.g. `fr-CA`). */
export function isLanguageTag(tag: string): boolean {
  return remember(tags, tag, () => {
    try {
      return Intl.getCanonicalLocales(tag).length === 1;
    } catch {
      return false;
    }
  });
}
