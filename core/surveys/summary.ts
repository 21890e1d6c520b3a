// The survey results (`GET /v1/surveys/summary`) as pure arithmetic over settled answers and the survey
// emails that went out: CSAT, NPS and response rate, overall, by ISO week and by journey, and the
// latest comments. The I/O (workspace/survey-summary.ts) only reads the rows.
//
// Definitions (the API documents them):
// - CSAT (1-5): the average score, and the share satisfied, i.e. answers of 4 or 5 out of all CSAT answers.
// - NPS (0-10): promoters answer 9-10, passives 7-8, detractors 0-6; the score is % promoters - % detractors,
//   from -100 to 100.
// - Response rate: of the survey emails sent (in the period, week or journey), the share that has a settled
//   answer. It follows the email's send time, the scores follow the answer's time, so a week's rate can
//   only go up as late answers arrive and never passes 100%.
// - Each kind counts in its own figures only: a CSAT answer never moves the NPS.
// - No answers gives null (never NaN or 0): "nobody answered" is not "everybody was unhappy".
import { DateTime } from 'luxon';

export type SurveyKind = 'csat' | 'nps';

/** CSAT answers from this score up count as satisfied. */
export const CSAT_SATISFIED_FROM = 4;
/** NPS answers from this score up are promoters. */
export const NPS_PROMOTER_FROM = 9;
/** NPS answers up to this score are detractors. */
export const NPS_DETRACTOR_UP_TO = 6;

/** A settled answer with its final score (a later answer replaces an earlier one until the survey closes). */
export type SettledAnswer = {
  kind: SurveyKind;
  score: number;
  /** When it was given, which decides its week. */
  at: Date;
  journeyKey: string | null;
  /** The business's customer id. */
  customerId: string;
  comment: string | null;
};

/** A survey email that went out, and whether it has a settled answer (whenever that came). */
export type SentSurvey = { kind: SurveyKind; sentAt: Date; journeyKey: string | null; answered: boolean };

export type CsatFigures = { answers: number; average: number | null; satisfied: number; satisfiedShare: number | null };
export type NpsFigures = { answers: number; promoters: number; passives: number; detractors: number; score: number | null };
export type ResponseRate = { sent: number; answered: number; rate: number | null };
export type SurveyFigures = { csat: CsatFigures; nps: NpsFigures; responseRate: ResponseRate };

export type WeekFigures = SurveyFigures & {
  /** The ISO week, `2026-W48`, in the summary's time zone. */
  week: string;
  /** Its Monday, `2026-11-23`. */
  startsOn: string;
};
export type JourneyFigures = SurveyFigures & { journeyKey: string | null };
export type SurveyComment = { customerId: string; kind: SurveyKind; score: number; comment: string; journeyKey: string | null; at: string };

export type SurveySummary = SurveyFigures & {
  timezone: string;
  /** Every week from the first to the last with an answer or a sent survey, oldest first (quiet weeks included, empty). */
  byWeek: WeekFigures[];
  /** One row per journey with answers or sent surveys, by key (answers outside any journey last, key null). */
  byJourney: JourneyFigures[];
  /** The newest answers with a comment, newest first. */
  latestComments: SurveyComment[];
};

export const DEFAULT_LATEST_COMMENTS = 10;

export function csatFigures(scores: readonly number[]): CsatFigures {
  const satisfied = scores.filter((score) => score >= CSAT_SATISFIED_FROM).length;
  if (scores.length === 0) return { answers: 0, average: null, satisfied: 0, satisfiedShare: null };
  const sum = scores.reduce((total, score) => total + score, 0);
  return { answers: scores.length, average: sum / scores.length, satisfied, satisfiedShare: satisfied / scores.length };
}

export function npsFigures(scores: readonly number[]): NpsFigures {
  const promoters = scores.filter((score) => score >= NPS_PROMOTER_FROM).length;
  const detractors = scores.filter((score) => score <= NPS_DETRACTOR_UP_TO).length;
  const passives = scores.length - promoters - detractors;
  const score = scores.length === 0 ? null : ((promoters - detractors) / scores.length) * 100;
  return { answers: scores.length, promoters, passives, detractors, score };
}

export function responseRate(sent: readonly SentSurvey[]): ResponseRate {
  const answered = sent.filter((survey) => survey.answered).length;
  return { sent: sent.length, answered, rate: sent.length === 0 ? null : answered / sent.length };
}

function figures(answers: readonly SettledAnswer[], sent: readonly SentSurvey[]): SurveyFigures {
  return {
    csat: csatFigures(answers.filter((answer) => answer.kind === 'csat').map((answer) => answer.score)),
    nps: npsFigures(answers.filter((answer) => answer.kind === 'nps').map((answer) => answer.score)),
    responseRate: responseRate(sent),
  };
}

const DAY_MS = 86_400_000;
const QUARTER_HOUR_MS = 900_000;

/** The ISO week of a calendar date (days since 1970-01-01, no zone): its key and its Monday. */
function isoWeekOfDay(epochDay: number): { week: string; startsOn: string } {
  const monday = epochDay - ((new Date(epochDay * DAY_MS).getUTCDay() + 6) % 7);
  // The ISO week-numbering year is the year of the week's Thursday.
  const thursday = new Date((monday + 3) * DAY_MS);
  const weekYear = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * DAY_MS));
  return { week: `${weekYear}-W${String(week).padStart(2, '0')}`, startsOn: new Date(monday * DAY_MS).toISOString().slice(0, 10) };
}

/**
 * Finds the ISO week of instants in one zone. Zone offsets change a few times a year at most, so the
 * offset is read (Intl) at the start and end of each UTC day met: when both agree, the whole day has that
 * offset; on the rare day of a change, each quarter hour is read on its own (every zone's offset is a whole
 * number of quarter hours). The week is computed once per local date. A summary of many answers thus costs
 * a few hundred Intl calls, not a zone computation per answer.
 */
function weekFinder(timezone: string): (at: Date) => { week: string; startsOn: string } {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  /** The zone's offset from UTC at an instant, in milliseconds (the local wall time minus the instant). */
  const offsetAt = (ms: number) => {
    const whole = Math.floor(ms / 1000) * 1000;
    const parts = Object.fromEntries(format.formatToParts(new Date(whole)).map((part) => [part.type, Number(part.value)]));
    return Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day, parts.hour, parts.minute, parts.second) - whole;
  };
  const offsetOfUtcDay = new Map<number, number | null>();
  const offsetOfQuarter = new Map<number, number>();
  const weekOfDay = new Map<number, { week: string; startsOn: string }>();
  return (at) => {
    const ms = at.getTime();
    const utcDay = Math.floor(ms / DAY_MS);
    let offset = offsetOfUtcDay.get(utcDay);
    if (offset === undefined) {
      const first = offsetAt(utcDay * DAY_MS);
      offset = first === offsetAt((utcDay + 1) * DAY_MS - 1000) ? first : null;
      offsetOfUtcDay.set(utcDay, offset);
    }
    if (offset === null) {
      const quarter = Math.floor(ms / QUARTER_HOUR_MS);
      offset = offsetOfQuarter.get(quarter) ?? offsetAt(ms);
      offsetOfQuarter.set(quarter, offset);
    }
    const day = Math.floor((ms + offset) / DAY_MS);
    let found = weekOfDay.get(day);
    if (!found) {
      found = isoWeekOfDay(day);
      weekOfDay.set(day, found);
    }
    return found;
  };
}

/** The ISO week of an instant in a zone: its key (`2026-W01`) and its Monday. */
export function isoWeekOf(at: Date, timezone: string): { week: string; startsOn: string } {
  return weekFinder(timezone)(at);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function byWeek(answers: readonly SettledAnswer[], sent: readonly SentSurvey[], timezone: string): WeekFigures[] {
  const weekOf = weekFinder(timezone);
  const answersByWeek = groupBy(answers, (answer) => weekOf(answer.at).startsOn);
  const sentByWeek = groupBy(sent, (survey) => weekOf(survey.sentAt).startsOn);
  const mondays = [...answersByWeek.keys(), ...sentByWeek.keys()].sort();
  const first = mondays[0];
  const last = mondays[mondays.length - 1];
  if (first === undefined || last === undefined) return [];
  const weeks: WeekFigures[] = [];
  // Mondays are calendar dates: stepping seven days from one to the next involves no zone.
  for (let monday = Date.parse(`${first}T00:00:00Z`) / DAY_MS; ; monday += 7) {
    const { week, startsOn } = isoWeekOfDay(monday);
    if (startsOn > last) break;
    weeks.push({ week, startsOn, ...figures(answersByWeek.get(startsOn) ?? [], sentByWeek.get(startsOn) ?? []) });
  }
  return weeks;
}

function byJourney(answers: readonly SettledAnswer[], sent: readonly SentSurvey[]): JourneyFigures[] {
  // '\u0000' cannot be a journey key: it stands for "no journey" in the maps.
  const none = '\u0000';
  const answersByJourney = groupBy(answers, (answer) => answer.journeyKey ?? none);
  const sentByJourney = groupBy(sent, (survey) => survey.journeyKey ?? none);
  const keys = [...new Set([...answersByJourney.keys(), ...sentByJourney.keys()])].sort((a, b) =>
    a === none ? 1 : b === none ? -1 : a < b ? -1 : a > b ? 1 : 0,
  );
  return keys.map((key) => ({
    journeyKey: key === none ? null : key,
    ...figures(answersByJourney.get(key) ?? [], sentByJourney.get(key) ?? []),
  }));
}

function latestComments(answers: readonly SettledAnswer[], limit: number): SurveyComment[] {
  return answers
    .filter((answer) => (answer.comment ?? '').trim() !== '')
    .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0))
    .slice(0, limit)
    .map((answer) => ({
      customerId: answer.customerId,
      kind: answer.kind,
      score: answer.score,
      comment: (answer.comment ?? '').trim(),
      journeyKey: answer.journeyKey,
      at: answer.at.toISOString(),
    }));
}

/**
 * The whole summary. `answers` and `sent` are already the period's and journey's (the caller filters);
 * weeks are ISO weeks (Monday to Sunday) in `timezone`.
 */
export function summarizeSurveys(input: {
  answers: readonly SettledAnswer[];
  sent: readonly SentSurvey[];
  timezone: string;
  comments?: number;
}): SurveySummary {
  const { answers, sent, timezone } = input;
  return {
    timezone,
    ...figures(answers, sent),
    byWeek: byWeek(answers, sent, timezone),
    byJourney: byJourney(answers, sent),
    latestComments: latestComments(answers, input.comments ?? DEFAULT_LATEST_COMMENTS),
  };
}

export type SurveyPeriod = { start: Date | null; end: Date | null };

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The instants a `from`/`to` pair of calendar dates covers in `timezone`: from the start of `from` to the
 * end of `to` (both days included; `end` is exclusive, the next midnight). Either may be absent. A bad
 * date or `to` before `from` is an error naming the parameter.
 */
export function surveyPeriod(input: { from?: string; to?: string; timezone: string }): SurveyPeriod | { error: string; field: string } {
  const day = (field: 'from' | 'to', text: string | undefined) => {
    if (text === undefined) return null;
    const parsed = isoDate.test(text) ? DateTime.fromISO(text, { zone: input.timezone }) : null;
    if (!parsed?.isValid) return { error: `${field} must be a calendar date like 2026-11-30 (got '${text}')`, field };
    return parsed.startOf('day');
  };
  const from = day('from', input.from);
  const to = day('to', input.to);
  if (from && 'error' in from) return from;
  if (to && 'error' in to) return to;
  if (from && to && to < from) return { error: `to (${input.to}) is before from (${input.from})`, field: 'to' };
  return { start: from ? from.toJSDate() : null, end: to ? to.plus({ days: 1 }).toJSDate() : null };
}
