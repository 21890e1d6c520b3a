// Survey results, checked against tables computed by hand: CSAT average and share satisfied (4-5),
// NPS (% promoters 9-10 minus % detractors 0-6) with its counts, response rate, by ISO week in a time
// zone and by journey, and the latest comments.
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  csatFigures,
  isoWeekOf,
  npsFigures,
  responseRate,
  type SentSurvey,
  type SettledAnswer,
  summarizeSurveys,
  surveyPeriod,
} from '../../../core/surveys/summary.ts';

const answer = (kind: 'csat' | 'nps', score: number, at: string, more: Partial<SettledAnswer> = {}): SettledAnswer => ({
  kind,
  score,
  at: new Date(at),
  journeyKey: 'post-purchase-checkin',
  customerId: 'c-1',
  comment: null,
  ...more,
});
const sent = (at: string, answered: boolean, more: Partial<SentSurvey> = {}): SentSurvey => ({
  kind: 'csat',
  sentAt: new Date(at),
  journeyKey: 'post-purchase-checkin',
  answered,
  ...more,
});

describe('CSAT', () => {
  it('averages the scores and counts 4 and 5 as satisfied', () => {
    // 5 + 4 + 3 + 1 + 5 = 18 over 5 answers = 3.6; satisfied: 5, 4, 5 = 3 of 5 = 60%.
    expect(csatFigures([5, 4, 3, 1, 5])).toEqual({ answers: 5, average: 3.6, satisfied: 3, satisfiedShare: 0.6 });
  });

  it('from a single answer', () => {
    expect(csatFigures([2])).toEqual({ answers: 1, average: 2, satisfied: 0, satisfiedShare: 0 });
    expect(csatFigures([4])).toEqual({ answers: 1, average: 4, satisfied: 1, satisfiedShare: 1 });
  });

  it('is null, not NaN or zero, without answers', () => {
    expect(csatFigures([])).toEqual({ answers: 0, average: null, satisfied: 0, satisfiedShare: null });
  });
});

describe('NPS', () => {
  it('is the share of promoters (9-10) minus the share of detractors (0-6), in points', () => {
    // promoters 10, 9, 9, 10 = 4; passives 8, 7 = 2; detractors 6, 0, 3, 5 = 4: (4 - 4) / 10 = 0.
    expect(npsFigures([10, 9, 8, 7, 6, 0, 3, 9, 10, 5])).toEqual({ answers: 10, promoters: 4, passives: 2, detractors: 4, score: 0 });
    // promoters 9, 10 = 2; passive 7; detractor 2: (2 - 1) / 4 = +25.
    expect(npsFigures([9, 10, 7, 2])).toEqual({ answers: 4, promoters: 2, passives: 1, detractors: 1, score: 25 });
    // 7 and 8 are passives: they count in the total only. 1 promoter, 2 passives: 1/3 = +33.3.
    expect(npsFigures([9, 7, 8]).score).toBeCloseTo(100 / 3, 10);
  });

  it('is -100 when everyone is a detractor, 6 included', () => {
    expect(npsFigures([0, 6, 3])).toEqual({ answers: 3, promoters: 0, passives: 0, detractors: 3, score: -100 });
  });

  it('is +100 from a single promoter, 0 from a single passive', () => {
    expect(npsFigures([9]).score).toBe(100);
    expect(npsFigures([8]).score).toBe(0);
  });

  it('is null, not NaN, without answers', () => {
    expect(npsFigures([])).toEqual({ answers: 0, promoters: 0, passives: 0, detractors: 0, score: null });
  });
});

describe('response rate', () => {
  it('is the share of the survey emails sent that have an answer', () => {
    expect(responseRate([sent('2026-11-02T10:00Z', true), sent('2026-11-03T10:00Z', false), sent('2026-11-04T10:00Z', true)])).toEqual({
      sent: 3,
      answered: 2,
      rate: 2 / 3,
    });
  });

  it('is null when no survey email went out', () => {
    expect(responseRate([])).toEqual({ sent: 0, answered: 0, rate: null });
  });
});

describe('the whole summary', () => {
  it('gives nulls everywhere and no rows when there is nothing yet', () => {
    expect(summarizeSurveys({ answers: [], sent: [], timezone: 'UTC' })).toEqual({
      timezone: 'UTC',
      csat: { answers: 0, average: null, satisfied: 0, satisfiedShare: null },
      nps: { answers: 0, promoters: 0, passives: 0, detractors: 0, score: null },
      responseRate: { sent: 0, answered: 0, rate: null },
      byWeek: [],
      byJourney: [],
      latestComments: [],
    });
    const json = JSON.stringify(summarizeSurveys({ answers: [], sent: [], timezone: 'UTC' }));
    expect(json).not.toContain('NaN');
  });

  it('keeps CSAT and NPS answers apart, while the response rate counts both kinds of survey', () => {
    const summary = summarizeSurveys({
      answers: [answer('csat', 5, '2026-11-02T10:00Z'), answer('csat', 2, '2026-11-03T10:00Z'), answer('nps', 10, '2026-11-03T11:00Z')],
      sent: [
        sent('2026-11-01T10:00Z', true),
        sent('2026-11-01T11:00Z', true),
        sent('2026-11-02T10:00Z', true, { kind: 'nps' }),
        sent('2026-11-02T11:00Z', false, { kind: 'nps' }),
      ],
      timezone: 'UTC',
    });
    expect(summary.csat).toEqual({ answers: 2, average: 3.5, satisfied: 1, satisfiedShare: 0.5 });
    expect(summary.nps).toEqual({ answers: 1, promoters: 1, passives: 0, detractors: 0, score: 100 });
    expect(summary.responseRate).toEqual({ sent: 4, answered: 3, rate: 0.75 });
  });

  it('groups by ISO week (Monday to Sunday) in the time zone asked for, quiet weeks included', () => {
    // Sunday 29 November 23:30 UTC is already Monday 30 November 00:30 in Paris.
    const late = answer('csat', 5, '2026-11-29T23:30Z');
    const answers = [answer('csat', 1, '2026-11-10T09:00Z'), late];
    const utc = summarizeSurveys({ answers, sent: [], timezone: 'UTC' });
    expect(utc.byWeek.map((w) => [w.week, w.startsOn, w.csat.answers, w.csat.average])).toEqual([
      ['2026-W46', '2026-11-09', 1, 1],
      ['2026-W47', '2026-11-16', 0, null],
      ['2026-W48', '2026-11-23', 1, 5],
    ]);
    const paris = summarizeSurveys({ answers, sent: [], timezone: 'Europe/Paris' });
    expect(paris.byWeek.map((w) => [w.week, w.startsOn, w.csat.answers])).toEqual([
      ['2026-W46', '2026-11-09', 1],
      ['2026-W47', '2026-11-16', 0],
      ['2026-W48', '2026-11-23', 0],
      ['2026-W49', '2026-11-30', 1],
    ]);
    expect(paris.timezone).toBe('Europe/Paris');
  });

  it("puts a week's response rate on the week the emails went out, and its scores on the week of the answers", () => {
    const summary = summarizeSurveys({
      answers: [answer('csat', 4, '2026-11-17T10:00Z')],
      sent: [sent('2026-11-13T10:00Z', true), sent('2026-11-13T11:00Z', false)],
      timezone: 'UTC',
    });
    expect(summary.byWeek.map((w) => [w.week, w.csat.answers, w.responseRate])).toEqual([
      ['2026-W46', 0, { sent: 2, answered: 1, rate: 0.5 }],
      ['2026-W47', 1, { sent: 0, answered: 0, rate: null }],
    ]);
  });

  it('names the ISO week across a new year (1 January 2027 is in 2026-W53) and a DST change', () => {
    expect(isoWeekOf(new Date('2027-01-01T12:00Z'), 'UTC')).toEqual({ week: '2026-W53', startsOn: '2026-12-28' });
    expect(isoWeekOf(new Date('2027-01-04T00:30Z'), 'UTC')).toEqual({ week: '2027-W01', startsOn: '2027-01-04' });
    const acrossDst = summarizeSurveys({
      answers: [answer('nps', 9, '2026-10-20T10:00Z'), answer('nps', 3, '2026-11-03T10:00Z')],
      sent: [],
      timezone: 'Europe/Paris',
    });
    expect(acrossDst.byWeek.map((w) => w.startsOn)).toEqual(['2026-10-19', '2026-10-26', '2026-11-02']);
    // On the night clocks go back in Paris (25 October 2026, 03:00 CEST -> 02:00 CET at 01:00 UTC):
    // 23:30 UTC that Sunday is already Monday 00:30 CET, while 21:30 UTC is still Sunday 23:30 CET.
    expect(isoWeekOf(new Date('2026-10-25T21:30Z'), 'Europe/Paris')).toEqual({ week: '2026-W43', startsOn: '2026-10-19' });
    expect(isoWeekOf(new Date('2026-10-25T23:30Z'), 'Europe/Paris')).toEqual({ week: '2026-W44', startsOn: '2026-10-26' });
    expect(isoWeekOf(new Date('2026-10-25T00:30Z'), 'Europe/Paris')).toEqual({ week: '2026-W43', startsOn: '2026-10-19' });
    // Half-hour zones: 18:29 UTC on Sunday is 23:59 in Kolkata, 18:30 is Monday.
    expect(isoWeekOf(new Date('2026-11-29T18:29Z'), 'Asia/Kolkata').startsOn).toBe('2026-11-23');
    expect(isoWeekOf(new Date('2026-11-29T18:30Z'), 'Asia/Kolkata').startsOn).toBe('2026-11-30');
  });

  it('gives each journey its own figures, answers outside any journey last', () => {
    const summary = summarizeSurveys({
      answers: [
        answer('csat', 5, '2026-11-02T10:00Z'),
        answer('csat', 3, '2026-11-02T11:00Z'),
        answer('nps', 0, '2026-11-02T12:00Z', { journeyKey: 'at-risk-save' }),
        answer('csat', 1, '2026-11-02T13:00Z', { journeyKey: null }),
      ],
      sent: [
        sent('2026-11-01T10:00Z', true),
        sent('2026-11-01T10:00Z', true),
        sent('2026-11-01T10:00Z', false, { journeyKey: 'win-back' }),
      ],
      timezone: 'UTC',
    });
    expect(summary.byJourney.map((j) => [j.journeyKey, j.csat.average, j.nps.score, j.responseRate.rate])).toEqual([
      ['at-risk-save', null, -100, null],
      ['post-purchase-checkin', 4, null, 1],
      ['win-back', null, null, 0],
      [null, 1, null, null],
    ]);
  });

  it('lists the latest comments, newest first, with the customer, score and journey, and skips blank ones', () => {
    const answers = [
      answer('csat', 1, '2026-11-02T10:00Z', { customerId: 'c-1', comment: 'Arrived broken.' }),
      answer('nps', 10, '2026-11-04T10:00Z', { customerId: 'c-2', comment: '  Love it  ', journeyKey: 'at-risk-save' }),
      answer('csat', 5, '2026-11-05T10:00Z', { customerId: 'c-3', comment: '   ' }),
      answer('csat', 4, '2026-11-03T10:00Z', { customerId: 'c-4', comment: 'Fine.' }),
    ];
    const summary = summarizeSurveys({ answers, sent: [], timezone: 'UTC', comments: 2 });
    expect(summary.latestComments).toEqual([
      { customerId: 'c-2', kind: 'nps', score: 10, comment: 'Love it', journeyKey: 'at-risk-save', at: '2026-11-04T10:00:00.000Z' },
      { customerId: 'c-4', kind: 'csat', score: 4, comment: 'Fine.', journeyKey: 'post-purchase-checkin', at: '2026-11-03T10:00:00.000Z' },
    ]);
  });
});

describe('ISO weeks in any zone', () => {
  it('agree with Luxon for any instant, in zones with DST, half hours, quarter hours and date-line moves', () => {
    const zones = [
      'UTC',
      'Europe/Paris',
      'America/New_York',
      'Australia/Lord_Howe',
      'Asia/Kolkata',
      'Asia/Kathmandu',
      'Pacific/Apia',
      'America/Sao_Paulo',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }), (zone, ms) => {
        const local = DateTime.fromMillis(ms, { zone });
        const expected = {
          week: `${local.weekYear}-W${String(local.weekNumber).padStart(2, '0')}`,
          startsOn: local.startOf('week').toISODate(),
        };
        expect(isoWeekOf(new Date(ms), zone)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('put every answer of a summary in the week Luxon names, however many share a day or a change of offset', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Europe/Paris', 'Australia/Lord_Howe', 'America/Sao_Paulo'),
        // Around the 2026 changes of offset, so that many answers share the day of a change.
        fc.array(fc.integer({ min: Date.UTC(2026, 2, 20), max: Date.UTC(2026, 3, 10) }), { minLength: 1, maxLength: 60 }),
        (zone, instants) => {
          const summary = summarizeSurveys({
            answers: instants.map((ms) => answer('csat', 5, new Date(ms).toISOString())),
            sent: [],
            timezone: zone,
          });
          const counted = Object.fromEntries(summary.byWeek.filter((w) => w.csat.answers > 0).map((w) => [w.startsOn, w.csat.answers]));
          const expected: Record<string, number> = {};
          for (const ms of instants) {
            const monday = DateTime.fromMillis(ms, { zone }).startOf('week').toISODate() ?? '';
            expected[monday] = (expected[monday] ?? 0) + 1;
          }
          expect(counted).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the period', () => {
  it('covers whole calendar days in the time zone, both ends included', () => {
    expect(surveyPeriod({ from: '2026-11-01', to: '2026-11-30', timezone: 'Europe/Paris' })).toEqual({
      start: new Date('2026-10-31T23:00:00Z'),
      end: new Date('2026-11-30T23:00:00Z'),
    });
    expect(surveyPeriod({ timezone: 'UTC' })).toEqual({ start: null, end: null });
    expect(surveyPeriod({ to: '2026-03-29', timezone: 'Europe/Paris' })).toEqual({ start: null, end: new Date('2026-03-29T22:00:00Z') });
  });

  it('refuses a date that is not one, naming the parameter, and a period that ends before it starts', () => {
    expect(surveyPeriod({ from: '2026-02-30', timezone: 'UTC' })).toEqual({
      error: "from must be a calendar date like 2026-11-30 (got '2026-02-30')",
      field: 'from',
    });
    expect(surveyPeriod({ to: 'yesterday', timezone: 'UTC' })).toMatchObject({ field: 'to' });
    expect(surveyPeriod({ from: '2026-11-02', to: '2026-11-01', timezone: 'UTC' })).toEqual({
      error: 'to (2026-11-01) is before from (2026-11-02)',
      field: 'to',
    });
  });
});
