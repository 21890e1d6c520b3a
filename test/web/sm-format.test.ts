// What a success manager reads beside each at-risk row and alert: the 30-day trend drawn from the score
// 30 days ago, each change since and the score now, the same trend in a sentence (for screen readers),
// and the times an alert can be snoozed until, in the viewer's own day.
import { describe, expect, it } from 'vitest';
import { DAY_MS, formatScore, snoozeChoices, trendInWords, trendPoints } from '../../web/src/components/sm-format.ts';

const now = Date.parse('2026-11-30T12:00:00Z');
const daysAgo = (days: number) => new Date(now - days * DAY_MS).toISOString();

describe("an at-risk row's 30-day trend", () => {
  it('starts at the score 30 days ago, steps through each change, and ends at the score now', () => {
    const points = trendPoints(
      [
        { at: daysAgo(12), score: 35 },
        { at: daysAgo(1), score: 72.5 },
      ],
      55,
      72.5,
      now,
    );
    expect(points).toEqual([
      { at: now - 30 * DAY_MS, score: 55 },
      { at: now - 12 * DAY_MS, score: 35 },
      { at: now - DAY_MS, score: 72.5 },
      { at: now, score: 72.5 },
    ]);
    expect(trendInWords(points)).toBe('Score 55.0 30 days ago, 72.5 now: up 17.5 points (2 changes in between).');
  });

  it('says when there is no earlier score, and when the score did not move', () => {
    expect(trendInWords(trendPoints([{ at: daysAgo(0), score: 64.9 }], null, 64.9, now))).toBe(
      'Score 64.9; no earlier score in the last 30 days.',
    );
    expect(trendInWords(trendPoints([{ at: daysAgo(10), score: 30 }], null, 30, now))).toBe('Score 30.0 10 days ago, 30.0 now: unchanged.');
    expect(trendInWords(trendPoints([], null, 20, now))).toBe('Score 20.0; no earlier score in the last 30 days.');
    expect(trendInWords(trendPoints([], null, null, now))).toBe('No score in the last 30 days.');
    expect(trendInWords(trendPoints([], 40, 12, now))).toBe('Score 40.0 30 days ago, 12.0 now: down 28.0 points.');
  });

  it('writes scores with one decimal, and a dash for none', () => {
    expect([formatScore(22), formatScore(72.45), formatScore(null)]).toEqual(['22.0', '72.5', '—']);
  });
});

describe('snoozing an alert', () => {
  it('offers tomorrow 9:00 in the viewer’s zone, three days and a week', () => {
    const from = new Date(2026, 10, 30, 16, 20);
    const [tomorrow, threeDays, week] = snoozeChoices(from);
    expect(tomorrow?.label).toBe('Until tomorrow 9:00');
    expect([tomorrow?.until.getDate(), tomorrow?.until.getHours(), tomorrow?.until.getMinutes()]).toEqual([1, 9, 0]);
    expect(threeDays?.until.getTime()).toBe(from.getTime() + 3 * DAY_MS);
    expect(week?.until.getTime()).toBe(from.getTime() + 7 * DAY_MS);
  });
});
