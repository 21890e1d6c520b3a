// The holdout lift and its 95% interval, against values computed by hand and the worked examples of
// Newcombe (1998), Statistics in Medicine 17:873-890, Table II (method 10, the hybrid score interval).
import { describe, expect, it } from 'vitest';
import { holdoutLift, newcombeInterval, waldInterval, wilsonInterval } from '../../../core/journey/lift.ts';

const close = (actual: number, expected: number, digits = 4) => expect(actual).toBeCloseTo(expected, digits);

describe('the Wilson score interval of one rate', () => {
  it('matches the hand computation for 56 of 70', () => {
    // p = 0.8, z² = 3.8415; centre = (0.8 + 3.8415/140) / (1 + 3.8415/70) = 0.82744 / 1.05488 = 0.78439
    // half = 1.96 / 1.05488 · sqrt(0.16/70 + 3.8415/19600) = 1.85801 · 0.04979 = 0.09255
    const { lower, upper } = wilsonInterval(56, 70);
    close(lower, 0.69183);
    close(upper, 0.87695);
  });

  it('never leaves [0, 1] and keeps the observed rate inside, even at 0% and 100%', () => {
    const none = wilsonInterval(0, 10);
    expect(none.lower).toBe(0);
    close(none.upper, 0.27753);
    const all = wilsonInterval(10, 10);
    expect(all.upper).toBe(1);
    close(all.lower, 0.72247);
  });

  it('refuses counts that are not counts', () => {
    expect(() => wilsonInterval(3, 0)).toThrow(RangeError);
    expect(() => wilsonInterval(11, 10)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 10)).toThrow(RangeError);
  });
});

describe("Newcombe's hybrid score interval for a difference of two rates", () => {
  it('56/70 - 48/80: 0.0524 to 0.3339, worked by hand', () => {
    // Wilson: 56/70 -> [0.69183, 0.87695]; 48/80 -> [0.49045, 0.70038]
    // L = 0.2 - sqrt((0.8 - 0.69183)² + (0.70038 - 0.6)²) = 0.2 - sqrt(0.011700 + 0.010076) = 0.2 - 0.14757
    // U = 0.2 + sqrt((0.87695 - 0.8)² + (0.6 - 0.49045)²) = 0.2 + sqrt(0.005921 + 0.012000) = 0.2 + 0.13387
    const { lower, upper } = newcombeInterval(56, 70, 48, 80);
    close(lower, 0.0524);
    close(upper, 0.3339);
  });

  // Newcombe (1998), Table II, method 10.
  const published: [string, [number, number, number, number], number, number][] = [
    ['9/10 - 3/10', [9, 10, 3, 10], 0.1705, 0.809],
    ['6/7 - 2/7', [6, 7, 2, 7], 0.0582, 0.8062],
    ['5/56 - 0/29', [5, 56, 0, 29], -0.0381, 0.1926],
    ['0/10 - 0/20', [0, 10, 0, 20], -0.1611, 0.2775],
    ['0/10 - 0/10', [0, 10, 0, 10], -0.2775, 0.2775],
    ['10/10 - 0/20', [10, 10, 0, 20], 0.6791, 1],
    ['10/10 - 0/10', [10, 10, 0, 10], 0.6075, 1],
  ];
  it.each(published)('%s matches the published interval', (_name, [x1, n1, x2, n2], lower, upper) => {
    const interval = newcombeInterval(x1, n1, x2, n2);
    close(interval.lower, lower);
    close(interval.upper, upper);
  });

  it('keeps its width where the Wald interval collapses to a point (no conversions at all)', () => {
    const wald = waldInterval(0, 10, 0, 20);
    expect(wald.upper - wald.lower).toBe(0);
    const newcombe = newcombeInterval(0, 10, 0, 20);
    expect(newcombe.upper - newcombe.lower).toBeGreaterThan(0.4);
  });

  it('agrees with the Wald interval on large groups', () => {
    // 120/1000 - 80/1000: Wald 0.04 ± 1.96·sqrt(0.1056/1000 + 0.0736/1000) = 0.04 ± 0.02624
    const wald = waldInterval(120, 1000, 80, 1000);
    close(wald.lower, 0.01376);
    close(wald.upper, 0.06624);
    const newcombe = newcombeInterval(120, 1000, 80, 1000);
    close(newcombe.lower, 0.0137, 3);
    close(newcombe.upper, 0.0664, 3);
  });
});

describe('the holdout lift', () => {
  it('is the treatment rate minus the control rate, with its interval, relative lift and significance', () => {
    const lift = holdoutLift({ enrolled: 70, converted: 56 }, { enrolled: 80, converted: 48 });
    expect(lift).not.toBeNull();
    close(lift?.treatmentRate ?? 0, 0.8);
    close(lift?.controlRate ?? 0, 0.6);
    close(lift?.absolute ?? 0, 0.2);
    close(lift?.relative ?? 0, 1 / 3);
    close(lift?.interval.lower ?? 0, 0.0524);
    close(lift?.interval.upper ?? 0, 0.3339);
    expect(lift?.significant).toBe(true);
    expect(lift?.method).toBe('newcombe-hybrid-score');
  });

  it('is not significant when the interval spans zero, and has no relative lift against a control that never converts', () => {
    const lift = holdoutLift({ enrolled: 56, converted: 5 }, { enrolled: 29, converted: 0 });
    expect(lift?.significant).toBe(false);
    expect(lift?.relative).toBeNull();
  });

  it('is unknown while either group is empty', () => {
    expect(holdoutLift({ enrolled: 10, converted: 3 }, { enrolled: 0, converted: 0 })).toBeNull();
    expect(holdoutLift({ enrolled: 0, converted: 0 }, { enrolled: 10, converted: 3 })).toBeNull();
  });
});
