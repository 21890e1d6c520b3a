import { describe, expect, it } from 'vitest';
import { assignGroup } from '../../../core/policy/holdout.ts';
import { decideSend, defaultPolicies, earliestUnderCaps } from '../../../core/policy/send-policy.ts';

const H = 3600_000;
const base = { zone: 'Europe/Paris', capClass: 'marketing' as const, history: [] as number[], policies: defaultPolicies };

describe('quiet hours', () => {
  it('defer a 22:30 local send to 08:00 the next morning', () => {
    const at = Date.parse('2026-06-10T20:30:00Z'); // 22:30 in Paris (UTC+2)
    const decision = decideSend({ ...base, at, notAfter: at + 2 * 24 * H });
    expect(decision).toEqual({ kind: 'defer', until: Date.parse('2026-06-11T06:00:00Z'), reason: 'quiet_hours' });
  });

  it('let a 10:00 local send through', () => {
    const at = Date.parse('2026-06-10T08:00:00Z');
    expect(decideSend({ ...base, at, notAfter: at })).toEqual({ kind: 'send' });
  });

  it('skip a send whose deadline comes before the morning', () => {
    const at = Date.parse('2026-06-10T20:30:00Z');
    expect(decideSend({ ...base, at, notAfter: at + 2 * H })).toEqual({ kind: 'skip', reason: 'quiet_hours' });
  });

  it('end at 08:00 local on the morning clocks change', () => {
    const at = Date.parse('2026-03-28T22:00:00Z'); // 23:00 CET; clocks go forward at 02:00 that night
    const decision = decideSend({ ...base, at, notAfter: at + 2 * 24 * H });
    expect(decision).toEqual({ kind: 'defer', until: Date.parse('2026-03-29T06:00:00Z'), reason: 'quiet_hours' }); // 08:00 CEST
  });
});

describe('the frequency cap', () => {
  it('allow one marketing email in 48 hours and three in 7 days', () => {
    const t0 = Date.parse('2026-06-01T08:00:00Z');
    expect(earliestUnderCaps(t0 + H, [t0], defaultPolicies.caps.marketing)).toBe(t0 + 48 * H + 1);
    const three = [t0, t0 + 50 * H, t0 + 100 * H];
    expect(earliestUnderCaps(t0 + 150 * H, three, defaultPolicies.caps.marketing)).toBe(t0 + 7 * 24 * H + 1);
  });

  it('defer a message behind one already sent, whatever its priority, then skip it past its window', () => {
    const sentAt = Date.parse('2026-06-01T08:00:00Z');
    const at = sentAt + 2 * H;
    const history = [sentAt];
    expect(decideSend({ ...base, at, notAfter: at + 3 * 24 * H, history })).toEqual({
      kind: 'defer',
      until: sentAt + 48 * H + 1,
      reason: 'frequency_cap',
    });
    expect(decideSend({ ...base, at, notAfter: at + 24 * H, history })).toEqual({ kind: 'skip', reason: 'frequency_cap' });
  });

  it('never hold back a transactional message without a survey', () => {
    const at = Date.parse('2026-06-01T10:00:00Z');
    expect(decideSend({ ...base, capClass: null, at, notAfter: at, history: [at - H] })).toEqual({ kind: 'send' });
  });

  it('cap check-ins with surveys only when the business sets a survey cap', () => {
    const at = Date.parse('2026-06-01T10:00:00Z');
    const history = [at - H];
    expect(decideSend({ ...base, capClass: 'survey', at, notAfter: at + 30 * 24 * H, history })).toEqual({ kind: 'send' });
    const policies = { ...defaultPolicies, caps: { ...defaultPolicies.caps, survey: [{ count: 1, window: 'P14D' }] } };
    expect(decideSend({ ...base, capClass: 'survey', policies, at, notAfter: at + 30 * 24 * H, history })).toEqual({
      kind: 'defer',
      until: at - H + 14 * 24 * H + 1,
      reason: 'frequency_cap',
    });
  });
});

describe('holdout assignment', () => {
  it('puts close to the configured share of 10,000 customers in control, stably', () => {
    const customers = Array.from({ length: 10_000 }, (_, i) => `customer-${i}`);
    const control = customers.filter((id) => assignGroup('win-back', id, 10) === 'control').length;
    // Binomial(10000, 0.1): standard deviation 30; four of them is a generous bound.
    expect(Math.abs(control - 1000)).toBeLessThan(120);
    const again = customers.filter((id) => assignGroup('win-back', id, 10) === 'control').length;
    expect(again).toBe(control);
  });

  it('draws independently per journey', () => {
    const customers = Array.from({ length: 10_000 }, (_, i) => `c${i}`);
    const both = customers.filter((id) => assignGroup('a', id, 20) === 'control' && assignGroup('b', id, 20) === 'control').length;
    expect(Math.abs(both - 400)).toBeLessThan(100); // 20% of 20%
  });

  it('enrolls nobody as control at 0%', () => {
    expect(assignGroup('x', 'c', 0)).toBe('treatment');
  });
});
