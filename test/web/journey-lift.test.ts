// A marketer reads whether a journey works from two charts: each group's goal rate with its interval,
// and the lift over the holdout with its 95% interval, drawn as error bars around the value.
import { describe, expect, it } from 'vitest';
import { holdoutLift, wilsonInterval } from '../../core/journey/lift.ts';
import { conversionBars, describeLift, errorAround, liftBar, liftDomain } from '../../web/src/components/journey-lift.ts';

// Newcombe (1998), example (a): treatment 56 of 70, control 48 of 80.
const treatment = { enrolled: 70, goalReached: 56, rate: 0.8, interval: wilsonInterval(56, 70) };
const control = { enrolled: 80, goalReached: 48, rate: 0.6, interval: wilsonInterval(48, 80) };
const lift = holdoutLift({ enrolled: 70, converted: 56 }, { enrolled: 80, converted: 48 });

describe('the conversion and lift charts', () => {
  it('draw each group as its rate in percent with the distances to its interval', () => {
    expect(conversionBars({ treatment, control })).toEqual([
      { group: 'Treatment', enrolled: 70, goalReached: 56, percent: 80, error: [10.82, 7.7] },
      { group: 'Holdout', enrolled: 80, goalReached: 48, percent: 60, error: [10.95, 10.04] },
    ]);
  });

  it('leave out a group that has no enrollments yet', () => {
    const empty = { enrolled: 0, goalReached: 0, rate: null, interval: null };
    expect(conversionBars({ treatment, control: empty }).map((bar) => bar.group)).toEqual(['Treatment']);
  });

  it('draw the lift in points from zero, its error bar reaching exactly the interval', () => {
    if (!lift) throw new Error('both groups have enrollments');
    const bar = liftBar(lift);
    expect(bar).toEqual({ name: 'Lift', points: 20, lower: 5.24, upper: 33.39, error: [14.76, 13.39] });
    expect(bar.points - bar.error[0]).toBeCloseTo(bar.lower, 10);
    expect(bar.points + bar.error[1]).toBeCloseTo(bar.upper, 10);
    expect(liftDomain(bar)).toEqual([-35, 35]);
  });

  it('say in words whether the interval excludes no effect', () => {
    if (!lift) throw new Error('both groups have enrollments');
    expect(describeLift(lift)).toBe('+20.0 points (95% interval +5.2 to +33.4): the journey raises the goal rate.');
    const unsure = holdoutLift({ enrolled: 26, converted: 0 }, { enrolled: 4, converted: 0 });
    if (!unsure) throw new Error('both groups have enrollments');
    expect(describeLift(unsure)).toBe(
      '±0.0 points (95% interval −49.0 to +12.9): not distinguishable from no effect yet; more enrollments narrow the interval.',
    );
    expect(liftDomain(liftBar(unsure))).toEqual([-50, 50]);
  });

  it('never draws a negative error distance, even when rounding puts the value past a bound', () => {
    expect(errorAround(0, { lower: 0.000001, upper: 12.5 })).toEqual([0, 12.5]);
  });
});
