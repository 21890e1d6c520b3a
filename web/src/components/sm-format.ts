// The success manager's pages in words and numbers, pure (tested in test/web/sm-format.test.ts): scores with
// one decimal, a row's 30-day trend as points and as a sentence, and the times an alert can be snoozed until.
const scoreFormat = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function formatScore(score: number | null | undefined): string {
  return score === null || score === undefined ? '—' : scoreFormat.format(score);
}

export const DAY_MS = 86_400_000;

type Point = { at: number; score: number };

export function trendPoints(
  trend: { at: string; score: number }[],
  scoreBefore: number | null,
  scoreNow: number | null,
  now: number,
  days = 30,
): Point[] {
  const points: Point[] = [];
  if (scoreBefore !== null) points.push({ at: now - days * DAY_MS, score: scoreBefore });
  for (const point of trend) points.push({ at: Date.parse(point.at), score: point.score });
  if (scoreNow !== null) points.push({ at: now, score: scoreNow });
  return points;
}

/** "Score 55.0 30 days ago, 72.5 now: up 17.5 points (1 change in between)." */
export function trendInWords(points: Point[]): string {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return 'No score in the last 30 days.';
  const days = Math.round((last.at - first.at) / DAY_MS);
  if (days < 1) return `Score ${formatScore(last.score)}; no earlier score in the last 30 days.`;
  const change = last.score - first.score;
  const direction = Math.abs(change) < 0.05 ? 'unchanged' : `${change > 0 ? 'up' : 'down'} ${formatScore(Math.abs(change))} points`;
  const changes = points.length - 2;
  const when = days === 1 ? 'yesterday' : `${days} days ago`;
  return `Score ${formatScore(first.score)} ${when}, ${formatScore(last.score)} now: ${direction}${
    changes > 0 ? ` (${changes} change${changes === 1 ? '' : 's'} in between)` : ''
  }.`;
}

/** Until tomorrow 9:00, in three days, in a week: times in the viewer's zone. */
export function snoozeChoices(now: Date = new Date()): { label: string; until: Date }[] {
  const tomorrowMorning = new Date(now);
  tomorrowMorning.setDate(tomorrowMorning.getDate() + 1);
  tomorrowMorning.setHours(9, 0, 0, 0);
  return [
    { label: 'Until tomorrow 9:00', until: tomorrowMorning },
    { label: 'For 3 days', until: new Date(now.getTime() + 3 * 86_400_000) },
    { label: 'For a week', until: new Date(now.getTime() + 7 * 86_400_000) },
  ];
}
