// A row's 30-day score trend, drawn small: the score 30 days ago (when there was one), each change since,
// and the score now. The drawing is hidden from screen readers; a sentence says the same in words.
import { Line, LineChart, XAxis, YAxis } from 'recharts';
import { formatScore } from './sm-format.ts';

const DAY_MS = 86_400_000;

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

/** "Score 55 thirty days ago, 72.5 now: up 17.5." */
export function trendInWords(points: Point[]): string {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return 'No score in the last 30 days.';
  if (points.length === 1 || first.at === last.at) return `Score ${formatScore(last.score)}; no earlier score in the last 30 days.`;
  const change = last.score - first.score;
  const direction = Math.abs(change) < 0.05 ? 'unchanged' : `${change > 0 ? 'up' : 'down'} ${formatScore(Math.abs(change))} points`;
  const changes = points.length - 2;
  return `Score ${formatScore(first.score)} 30 days ago, ${formatScore(last.score)} now: ${direction}${
    changes > 0 ? ` (${changes} change${changes === 1 ? '' : 's'} in between)` : ''
  }.`;
}

export function Sparkline({
  trend,
  scoreBefore,
  scoreNow,
  now,
}: {
  trend: { at: string; score: number }[];
  scoreBefore: number | null;
  scoreNow: number | null;
  now: number;
}) {
  const points = trendPoints(trend, scoreBefore, scoreNow, now);
  const words = trendInWords(points);
  const last = points[points.length - 1];
  const first = points[0];
  const colour = first && last && last.score > first.score + 0.05 ? '#b42318' : '#0b57a4';
  return (
    <span className="sm-sparkline">
      <span aria-hidden="true" className="sm-sparkline-drawing" title={words}>
        {points.length > 0 ? (
          <LineChart width={120} height={32} data={points} margin={{ top: 3, right: 3, bottom: 3, left: 3 }} accessibilityLayer={false}>
            <XAxis dataKey="at" type="number" domain={[now - 30 * DAY_MS, now]} hide />
            <YAxis domain={[0, 100]} hide />
            <Line
              dataKey="score"
              type="stepAfter"
              stroke={colour}
              strokeWidth={2}
              dot={(props: { cx?: number; cy?: number; index?: number }) =>
                props.index === points.length - 1 && props.cx !== undefined && props.cy !== undefined ? (
                  <circle key="now" cx={props.cx} cy={props.cy} r={2.5} fill={colour} />
                ) : (
                  <g key={`point-${props.index}`} />
                )
              }
              isAnimationActive={false}
            />
          </LineChart>
        ) : null}
      </span>
      <span className="visually-hidden">{words}</span>
    </span>
  );
}
