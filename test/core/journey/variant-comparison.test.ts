// A/B variants compared with the first one: the same Wilson and Newcombe intervals as the holdout lift,
// and a winner only when the interval of the difference decides it.
import { describe, expect, it } from 'vitest';
import { compareVariants, newcombeInterval, wilsonInterval } from '../../../core/journey/lift.ts';

describe('comparing the variants of a split', () => {
  it("gives each variant its rate with its Wilson interval, and the others' difference against the first with Newcombe's", () => {
    const { variants } = compareVariants([
      { key: 'a', enrolled: 200, converted: 20 },
      { key: 'b', enrolled: 180, converted: 27 },
    ]);
    expect(variants[0]).toMatchObject({ key: 'a', rate: 0.1, interval: wilsonInterval(20, 200), difference: null });
    expect(variants[1]?.rate).toBeCloseTo(0.15);
    expect(variants[1]?.interval).toEqual(wilsonInterval(27, 180));
    expect(variants[1]?.difference?.absolute).toBeCloseTo(0.05);
    expect(variants[1]?.difference?.interval).toEqual(newcombeInterval(27, 180, 20, 200));
  });

  it('names no winner while the interval of the difference includes zero', () => {
    const result = compareVariants([
      { key: 'a', enrolled: 200, converted: 20 },
      { key: 'b', enrolled: 180, converted: 27 },
    ]);
    expect(result.variants[1]?.difference?.significant).toBe(false);
    expect(result.winner).toBeNull();
  });

  it('names a later variant whose difference interval lies above zero, the best of several', () => {
    const result = compareVariants([
      { key: 'a', enrolled: 1000, converted: 100 },
      { key: 'b', enrolled: 1000, converted: 150 },
      { key: 'c', enrolled: 1000, converted: 190 },
    ]);
    expect(result.variants[1]?.difference?.interval.lower).toBeGreaterThan(0);
    expect(result.winner).toBe('c');
  });

  it('names the first variant when every other one is clearly worse', () => {
    const result = compareVariants([
      { key: 'a', enrolled: 1000, converted: 200 },
      { key: 'b', enrolled: 1000, converted: 100 },
    ]);
    expect(result.winner).toBe('a');
  });

  it('leaves an empty variant without a rate, an interval or a difference, and names no winner', () => {
    const result = compareVariants([
      { key: 'a', enrolled: 10, converted: 5 },
      { key: 'b', enrolled: 0, converted: 0 },
    ]);
    expect(result.variants[1]).toMatchObject({ rate: null, interval: null, difference: null });
    expect(result.winner).toBeNull();
  });
});
