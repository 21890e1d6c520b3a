// Property filters of triggers, goals, eligibility and branches: `{ total: { gte: 50 } }`,
// `{ plan: { in: [pro, plus] } }`, `{ channel: web }`. Paths may be dotted (`address.country`).
import type { ValueFilter } from './definition.ts';

export function valueAt(source: Record<string, unknown>, path: string): unknown {
  let current: unknown = source;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

export function matchesValue(value: unknown, filter: ValueFilter): boolean {
  if (typeof filter !== 'object' || filter === null) return value === filter;
  if (filter.exists !== undefined && (value !== undefined && value !== null) !== filter.exists) return false;
  if (filter.eq !== undefined && value !== filter.eq) return false;
  if (filter.ne !== undefined && value === filter.ne) return false;
  if (filter.in !== undefined && !filter.in.includes(value as never)) return false;
  const numeric = typeof value === 'number' ? value : Number.NaN;
  if (filter.gte !== undefined && !(numeric >= filter.gte)) return false;
  if (filter.gt !== undefined && !(numeric > filter.gt)) return false;
  if (filter.lte !== undefined && !(numeric <= filter.lte)) return false;
  if (filter.lt !== undefined && !(numeric < filter.lt)) return false;
  return true;
}

export function matchesFilters(source: Record<string, unknown>, filters: Record<string, ValueFilter> | undefined): boolean {
  if (!filters) return true;
  return Object.entries(filters).every(([path, filter]) => matchesValue(valueAt(source, path), filter));
}
