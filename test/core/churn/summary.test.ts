import { describe, expect, it } from 'vitest';
import { timeUntilNextPurchase } from '../../../core/churn/bgnbd.ts';
import type { Transaction } from '../../../core/churn/summary.ts';
import { addPeriods, createCalendarDay, nextPurchaseDate, summarizeTransactions } from '../../../core/churn/summary.ts';

const day = (iso: string) => new Date(`${iso}Z`);

const transactions: Transaction[] = [
  // alice: three purchases on her first day, two on Jan 15, one on Jan 31, one in the holdout, one after it
  { customerId: 'alice', at: day('2024-01-01T09:00:00'), amount: 10 },
  { customerId: 'alice', at: day('2024-01-01T12:00:00'), amount: 5 },
  { customerId: 'alice', at: day('2024-01-01T23:59:59'), amount: 15 },
  { customerId: 'alice', at: day('2024-01-15T08:00:00'), amount: 20 },
  { customerId: 'alice', at: day('2024-01-15T18:00:00'), amount: 20 },
  { customerId: 'alice', at: day('2024-01-31T10:00:00'), amount: 60 },
  { customerId: 'alice', at: day('2024-03-10T10:00:00'), amount: 1 },
  { customerId: 'alice', at: day('2024-03-10T11:00:00'), amount: 1 },
  { customerId: 'alice', at: day('2024-06-01T10:00:00'), amount: 1 },
  // bob: a single purchase, no amount
  { customerId: 'bob', at: day('2024-02-01T10:00:00') },
  // carol: first purchase after the calibration end (only in the holdout)
  { customerId: 'carol', at: day('2024-03-05T10:00:00'), amount: 7 },
  // dave: buys later on the calibration end day, after the calibration end instant
  { customerId: 'dave', at: day('2024-02-20T10:00:00'), amount: 3 },
  { customerId: 'dave', at: day('2024-02-29T22:00:00'), amount: 4 },
  // erin: only after the observation end
  { customerId: 'erin', at: day('2024-07-01T10:00:00'), amount: 9 },
];

const calibrationEnd = day('2024-02-29T12:00:00'); // day 59 counting Jan 1 as day 0
const observationEnd = day('2024-03-31T00:00:00');

describe('summarizeTransactions', () => {
  const summary = summarizeTransactions(transactions, { calibrationEnd, observationEnd });
  const byId = new Map(summary.customers.map((c) => [c.customerId, c]));

  it('collapses purchases per calendar day: x counts repeat purchase days', () => {
    const alice = byId.get('alice');
    expect(alice).toMatchObject({ x: 2, tx: 30 / 7, T: 59 / 7, firstPurchaseDate: '2024-01-01' });
  });

  it('counts holdout purchase days after the calibration end up to the observation end day', () => {
    expect(byId.get('alice')?.holdoutPurchases).toBe(1); // two purchases on Mar 10, one after Mar 31
    expect(summary.holdoutLength).toBe(31 / 7);
  });

  it('excludes customers whose first purchase is after the calibration end', () => {
    expect(byId.has('carol')).toBe(false);
    expect(summary.excludedCustomerIds).toEqual(['carol']);
    expect(byId.has('erin')).toBe(false); // nothing inside the observed window at all
    expect(summary.customers.map((c) => c.customerId)).toEqual(['alice', 'bob', 'dave']);
  });

  it('resolves the calibration end to its calendar day', () => {
    expect(byId.get('dave')).toMatchObject({ x: 1, tx: 9 / 7, T: 9 / 7, holdoutPurchases: 0 });
  });

  it('gives x = 0, t_x = 0 for a single purchase', () => {
    expect(byId.get('bob')).toMatchObject({ x: 0, tx: 0, T: 28 / 7, meanSpend: null, meanRepeatSpend: null });
  });

  it('computes mean spend per purchase day, with and without the first day', () => {
    const alice = byId.get('alice');
    expect(alice?.meanSpend).toBeCloseTo((30 + 40 + 60) / 3, 12);
    expect(alice?.meanRepeatSpend).toBeCloseTo((40 + 60) / 2, 12);
    expect(byId.get('dave')).toMatchObject({ meanSpend: 3.5, meanRepeatSpend: 4 });
  });

  it('measures in days when asked', () => {
    const inDays = summarizeTransactions(transactions, { calibrationEnd, observationEnd, unit: 'days' });
    expect(inDays.customers.find((c) => c.customerId === 'alice')).toMatchObject({ x: 2, tx: 30, T: 59 });
    expect(inDays.holdoutLength).toBe(31);
  });

  it('without an observation end there is no holdout', () => {
    const noHoldout = summarizeTransactions(transactions, { calibrationEnd });
    expect(noHoldout.holdoutLength).toBe(0);
    expect(noHoldout.customers.every((c) => c.holdoutPurchases === 0)).toBe(true);
    expect(noHoldout.excludedCustomerIds).toEqual([]); // carol and erin are outside the window entirely
  });

  it('uses calendar days of the given time zone', () => {
    const late: Transaction[] = [
      { customerId: 'p', at: day('2024-01-01T23:30:00') },
      { customerId: 'p', at: day('2024-01-02T00:30:00') },
    ];
    const end = day('2024-01-10T12:00:00');
    expect(summarizeTransactions(late, { calibrationEnd: end }).customers[0]).toMatchObject({ x: 1 });
    // In Paris (UTC+1) both are on Jan 2; in New York (UTC-5) both on Jan 1.
    expect(summarizeTransactions(late, { calibrationEnd: end, timeZone: 'Europe/Paris' }).customers[0]).toMatchObject({
      x: 0,
      firstPurchaseDate: '2024-01-02',
      T: 8 / 7,
    });
    expect(summarizeTransactions(late, { calibrationEnd: end, timeZone: 'America/New_York' }).customers[0]).toMatchObject({
      x: 0,
      firstPurchaseDate: '2024-01-01',
      T: 9 / 7,
    });
  });

  it('handles daylight-saving transitions in calendar days', () => {
    const paris = createCalendarDay('Europe/Paris');
    // 2024-03-31 02:00 local clocks jump to 03:00; 22:30 UTC on Mar 31 is already Apr 1 in Paris.
    expect(paris(day('2024-03-30T23:30:00')) - paris(day('2024-03-30T22:30:00'))).toBe(1);
    expect(paris(day('2024-03-31T21:59:00')) - paris(day('2024-03-31T01:00:00'))).toBe(0);
    expect(paris(day('2024-03-31T22:00:00')) - paris(day('2024-03-31T21:59:00'))).toBe(1);
  });

  it('rejects invalid dates, amounts and an observation end before the calibration end', () => {
    expect(() => summarizeTransactions([{ customerId: 'x', at: new Date('nope') }], { calibrationEnd })).toThrow(RangeError);
    expect(() => summarizeTransactions([{ customerId: 'x', at: calibrationEnd, amount: Number.NaN }], { calibrationEnd })).toThrow(
      RangeError,
    );
    expect(() => summarizeTransactions(transactions, { calibrationEnd, observationEnd: day('2024-01-01T00:00:00') })).toThrow(RangeError);
    expect(() => summarizeTransactions(transactions, { calibrationEnd, timeZone: 'Mars/Olympus' })).toThrow(RangeError);
  });
});

describe('date helpers', () => {
  const params = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

  it('adds fractional periods', () => {
    expect(addPeriods(day('2024-01-01T00:00:00'), 1.5, 'weeks').toISOString()).toBe('2024-01-11T12:00:00.000Z');
    expect(addPeriods(day('2024-01-01T00:00:00'), 2, 'days').toISOString()).toBe('2024-01-03T00:00:00.000Z');
  });

  it('puts the median next-purchase date that many periods after the calibration end day', () => {
    const customer = { x: 6, tx: 8, T: 59 / 7 };
    const weeks = timeUntilNextPurchase(params, customer);
    const date = nextPurchaseDate(params, customer, calibrationEnd);
    expect(date?.getTime()).toBe(day('2024-02-29T00:00:00').getTime() + Math.round(weeks * 7 * 86_400_000));
    expect(nextPurchaseDate(params, { x: 2, tx: 0.2, T: 8 }, calibrationEnd)).toBeNull();
  });
});
