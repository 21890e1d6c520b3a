import { describe, expect, it } from 'vitest';
import { AFTER_WINNER_MS, arbitrate, dueAfterDeferral, outranks, STALE_INTENT_MS } from '../../../core/policy/priority.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const t0 = Date.parse('2026-06-01T10:00:00Z');
const low = { key: 'low', priority: 20, dueAt: t0 };
const high = { key: 'high', priority: 80, dueAt: t0 + 10 * MINUTE };

describe('priority between journeys', () => {
  it('keeps a send waiting until its decision window closes', () => {
    expect(arbitrate(low, [high], t0, HOUR)).toEqual({ kind: 'wait', until: t0 + HOUR });
  });

  it('makes a lower priority wait for a higher one that fell due within its window, until just after that one is decided', () => {
    expect(arbitrate(low, [high], t0 + HOUR, HOUR)).toEqual({ kind: 'outranked', by: high, until: high.dueAt + HOUR + AFTER_WINNER_MS });
  });

  it('lets the higher priority go whatever lower ones are waiting', () => {
    expect(arbitrate(high, [low], high.dueAt + HOUR, HOUR)).toEqual({ kind: 'decide' });
  });

  it('ignores a higher priority that falls due after this one is decided', () => {
    const later = { ...high, dueAt: t0 + 2 * HOUR };
    expect(arbitrate(low, [later], t0 + HOUR, HOUR)).toEqual({ kind: 'decide' });
  });

  it('stops being held back by an intent whose enrollment never came back to decide (a pause)', () => {
    const at = high.dueAt + HOUR + STALE_INTENT_MS + 1;
    expect(arbitrate({ ...low, dueAt: at - HOUR }, [high], at, HOUR)).toEqual({ kind: 'decide' });
  });

  it('decides at once, first come first served, with no window', () => {
    expect(arbitrate(low, [high], t0, 0)).toEqual({ kind: 'decide' });
  });

  it('ranks by priority, then by who fell due first, then by a fixed order, so that exactly one goes first', () => {
    expect(outranks(high, low)).toBe(true);
    expect(outranks(low, high)).toBe(false);
    const twin = { ...low, key: 'twin', dueAt: t0 + MINUTE };
    expect(outranks(low, twin)).toBe(true);
    const same = { ...low, key: 'a-same' };
    expect(outranks(same, low)).toBe(true);
    expect(outranks(low, same)).toBe(false);
  });

  it('decides a send deferred by quiet hours when the deferral ends', () => {
    const until = t0 + 10 * HOUR;
    expect(arbitrate({ ...low, dueAt: dueAfterDeferral(until, HOUR) }, [], until, HOUR)).toEqual({ kind: 'decide' });
  });
});
