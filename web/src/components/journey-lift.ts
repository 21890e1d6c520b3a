// The goal conversion of treatment against the holdout, as the journey page draws it: each group's
// rate with its 95% interval, and the lift (treatment - holdout, in percentage points) with its 95%
// interval, as the error bars of a chart take them (distances below and above the value), and in words.

export type Interval = { lower: number; upper: number };
export type GroupConversion = { enrolled: number; goalReached: number; rate: number | null; interval: Interval | null };
export type Lift = {
  treatmentRate: number;
  controlRate: number;
  absolute: number;
  interval: Interval;
  relative: number | null;
  significant: boolean;
};

export type ConversionBar = {
  group: string;
  enrolled: number;
  goalReached: number;
  /** The rate in percent. */
  percent: number;
  /** Distances below and above `percent` to the interval's bounds, in percent. */
  error: [number, number];
};

export type LiftBar = {
  name: string;
  /** The lift in percentage points. */
  points: number;
  lower: number;
  upper: number;
  /** Distances below and above `points` to the interval's bounds. */
  error: [number, number];
};

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** An interval around a value as error-bar distances (never negative, whatever the rounding). */
export function errorAround(value: number, interval: Interval): [number, number] {
  return [Math.max(0, round(value - interval.lower)), Math.max(0, round(interval.upper - value))];
}

/** The two groups that have enrollments, as bars in percent with their intervals. */
export function conversionBars(conversion: { treatment: GroupConversion; control: GroupConversion }): ConversionBar[] {
  const groups = [
    ['Treatment', conversion.treatment],
    ['Holdout', conversion.control],
  ] as const;
  return groups
    .filter(([, group]) => group.rate !== null && group.interval !== null)
    .map(([name, group]) => {
      const percent = round((group.rate as number) * 100);
      const interval = group.interval as Interval;
      return {
        group: name,
        enrolled: group.enrolled,
        goalReached: group.goalReached,
        percent,
        error: errorAround(percent, { lower: interval.lower * 100, upper: interval.upper * 100 }),
      };
    });
}

/** The lift in percentage points with its interval, as one bar from zero with its error bar. */
export function liftBar(lift: Lift): LiftBar {
  const points = round(lift.absolute * 100);
  const lower = round(lift.interval.lower * 100);
  const upper = round(lift.interval.upper * 100);
  return { name: 'Lift', points, lower, upper, error: errorAround(points, { lower, upper }) };
}

/** A symmetric axis around zero that holds the whole interval, in steps of 5 points. */
export function liftDomain(bar: LiftBar): [number, number] {
  const reach = Math.max(5, Math.ceil(Math.max(Math.abs(bar.lower), Math.abs(bar.upper)) / 5) * 5);
  return [-reach, reach];
}

const signed = (points: number) => `${points > 0 ? '+' : points < 0 ? '−' : '±'}${Math.abs(points).toFixed(1)}`;

/** "+20.0 points (95% interval +5.2 to +33.4): the journey works." and its cautious siblings. */
export function describeLift(lift: Lift): string {
  const bar = liftBar(lift);
  const range = `${signed(bar.points)} points (95% interval ${signed(bar.lower)} to ${signed(bar.upper)})`;
  if (!lift.significant) return `${range}: not distinguishable from no effect yet; more enrollments narrow the interval.`;
  return bar.points > 0 ? `${range}: the journey raises the goal rate.` : `${range}: the journey lowers the goal rate.`;
}
