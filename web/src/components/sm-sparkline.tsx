// A row's 30-day score trend, drawn small: the score 30 days ago (when there was one), each change since,
// and the score now. The drawing is hidden from screen readers; a sentence says the same in words.
import { Line, LineChart, XAxis, YAxis } from 'recharts';
import { DAY_MS, trendInWords, trendPoints } from './sm-format.ts';

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
