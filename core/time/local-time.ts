// Customer-facing time: every question here is asked in the customer's IANA zone, so that "10:00"
// stays 10:00 on their wall clock across daylight-saving changes.
import { DateTime, Duration } from 'luxon';

/** The days of the week as journeys and windows name them, Monday first (ISO). */
export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];
const weekdayNumbers: Record<Weekday, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

export function parseLocalTime(hhmm: string): { hour: number; minute: number } {
  const [hour, minute] = hhmm.split(':').map(Number);
  return { hour: hour ?? 0, minute: minute ?? 0 };
}

/** `at` plus an ISO duration, calendar-aware in `zone` ("P1D" is one calendar day, 23 or 25 hours at a DST change). */
export function addDuration(at: number, iso: string, zone: string): number {
  return DateTime.fromMillis(at, { zone }).plus(Duration.fromISO(iso)).toMillis();
}

const minutesOfDay = (dt: DateTime) => dt.hour * 60 + dt.minute;

/**
 * The earliest instant >= `at` that falls in the local window [from, to) on one of `days`. A window
 * whose `to` is before `from` runs past midnight (e.g. 22:00-02:00). A local time that does not exist
 * (skipped by DST) moves forward with the clock, as Luxon resolves it.
 */
export function nextLocalWindow(at: number, zone: string, from: string, to: string, days: Weekday[]): number {
  const allowed = new Set(days.map((day) => weekdayNumbers[day]));
  const start = parseLocalTime(from);
  const end = parseLocalTime(to);
  const startMin = start.hour * 60 + start.minute;
  const endMin = end.hour * 60 + end.minute;
  const overnight = endMin <= startMin;
  const now = DateTime.fromMillis(at, { zone });
  for (let offset = -1; offset <= 8; offset++) {
    const day = now.startOf('day').plus({ days: offset });
    if (!allowed.has(day.weekday)) continue;
    const windowStart = day.set({ hour: start.hour, minute: start.minute, second: 0, millisecond: 0 });
    const windowEnd = overnight
      ? day.plus({ days: 1 }).set({ hour: end.hour, minute: end.minute, second: 0, millisecond: 0 })
      : day.set({ hour: end.hour, minute: end.minute, second: 0, millisecond: 0 });
    if (now < windowStart) return windowStart.toMillis();
    if (now < windowEnd) return at;
  }
  throw new Error('no window within eight days (no allowed weekday?)');
}

/** True when the local time of `at` lies in [from, to), which may wrap midnight. */
export function isWithinLocalHours(at: number, zone: string, from: string, to: string): boolean {
  const local = minutesOfDay(DateTime.fromMillis(at, { zone }));
  const a = parseLocalTime(from);
  const b = parseLocalTime(to);
  const startMin = a.hour * 60 + a.minute;
  const endMin = b.hour * 60 + b.minute;
  return startMin <= endMin ? local >= startMin && local < endMin : local >= startMin || local < endMin;
}

export function localIso(at: number, zone: string): string {
  return DateTime.fromMillis(at, { zone }).toISO({ suppressMilliseconds: true }) ?? new Date(at).toISOString();
}
