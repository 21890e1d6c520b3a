// The account page's two charts: what makes up the score (points per factor, above or below the base rate
// of an average customer) and how the score moved. Each drawing is hidden from screen readers and comes
// with the same figures as a table.
import { Bar, BarChart, CartesianGrid, Cell, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatDate, formatDateTime, formatNumber } from '../format.ts';
import { formatScore } from './sm-format.ts';
import type { Contribution, RiskBand } from './sm-types.ts';

const factorNames: Record<string, string> = {
  baseline: 'Base rate (an average customer)',
  dropout: 'May have stopped buying',
  quiet: 'Unlikely to order within 90 days',
  overdue: 'Overdue against their own rhythm',
  frequency: 'How often they order',
  tenure: 'How long they have been a customer',
  detractor: 'Unhappy survey answer',
  tickets: 'Open support tickets',
  refunds: 'Recent refunds',
  engagement: 'Less email engagement',
};
export const factorName = (factor: string) => factorNames[factor] ?? factor.replace(/_/g, ' ');

const axisTick = { fill: '#57606a', fontSize: 12 };
const RAISES = '#b42318';
const LOWERS = '#1a6b37';

/** The bars start at zero: the axis spans 0 and every value, rounded out to whole points. */
function domainWithZero(values: number[]): [number, number] {
  const low = Math.min(0, ...values);
  const high = Math.max(0, ...values);
  return [Math.floor(low), Math.ceil(high)];
}

export function ContributionsChart({ contributions }: { contributions: Contribution[] }) {
  const baseline = contributions.find((c) => c.factor === 'baseline');
  const factors = contributions
    .filter((c) => c.factor !== 'baseline' && Math.abs(c.points) >= 0.05)
    .sort((a, b) => b.points - a.points)
    .map((c) => ({ ...c, label: factorName(c.factor) }));
  return (
    <div className="sm-chart">
      {baseline ? (
        <p className="muted small-text">
          An average customer of this business scores {formatNumber(baseline.points, 1)}; each factor below adds points (red) or takes them
          away (green).
        </p>
      ) : null}
      {factors.length === 0 ? (
        <p className="muted">No factor moves this score away from the base rate.</p>
      ) : (
        <div aria-hidden="true">
          <ResponsiveContainer width="100%" height={32 * factors.length + 40}>
            <BarChart data={factors} layout="vertical" margin={{ top: 4, right: 24, bottom: 4, left: 8 }} accessibilityLayer={false}>
              <CartesianGrid horizontal={false} stroke="#eaeef2" />
              <XAxis type="number" tick={axisTick} domain={domainWithZero(factors.map((f) => f.points))} />
              <YAxis type="category" dataKey="label" width={230} tick={axisTick} />
              <ReferenceLine x={0} stroke="#57606a" />
              <Tooltip formatter={(value) => [`${formatNumber(Number(value), 1)} points`, 'Contribution']} />
              <Bar dataKey="points" isAnimationActive={false}>
                {factors.map((factor) => (
                  <Cell key={factor.factor} fill={factor.points > 0 ? RAISES : LOWERS} />
                ))}
              </Bar>
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
      <details>
        <summary>The contributions as a table</summary>
        <table>
          <caption className="visually-hidden">Points each factor adds to the score</caption>
          <thead>
            <tr>
              <th scope="col">Factor</th>
              <th scope="col" className="number">
                Points
              </th>
            </tr>
          </thead>
          <tbody>
            {[...(baseline ? [{ ...baseline, label: factorName('baseline') }] : []), ...factors].map((c) => (
              <tr key={c.factor}>
                <td>{c.label}</td>
                <td className="number">
                  {c.points > 0 && c.factor !== 'baseline' ? '+' : ''}
                  {formatNumber(c.points, 1)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}

export function ScoreHistoryChart({
  history,
  thresholds = { medium: 30, high: 60 },
}: {
  history: { at: string; score: number; band: RiskBand }[];
  thresholds?: { medium: number; high: number };
}) {
  if (history.length === 0) return <p className="muted">No score in the last 90 days: the next scoring run (nightly) gives one.</p>;
  const points = history.map((h) => ({ at: Date.parse(h.at), score: h.score }));
  const single = points.length === 1;
  return (
    <div className="sm-chart">
      <div aria-hidden="true">
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={points} margin={{ top: 8, right: 24, bottom: 4, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid stroke="#eaeef2" />
            <XAxis
              dataKey="at"
              type="number"
              scale="time"
              domain={single ? [(points[0]?.at ?? 0) - 86_400_000, (points[0]?.at ?? 0) + 86_400_000] : ['dataMin', 'dataMax']}
              tickFormatter={(at: number) => formatDate(new Date(at).toISOString())}
              tick={axisTick}
            />
            <YAxis domain={[0, 100]} ticks={[0, thresholds.medium, thresholds.high, 100]} tick={axisTick} width={36} />
            <ReferenceLine y={thresholds.high} stroke={RAISES} strokeDasharray="4 4" />
            <ReferenceLine y={thresholds.medium} stroke="#7a4d00" strokeDasharray="4 4" />
            <Tooltip
              labelFormatter={(at) => formatDateTime(new Date(Number(at)).toISOString())}
              formatter={(value) => [formatScore(Number(value)), 'Score']}
            />
            <Line dataKey="score" type="stepAfter" stroke="#0b57a4" strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <p className="muted small-text">
        Dashed lines: the high band from {thresholds.high}, the medium band from {thresholds.medium}. A point is kept when the score or band
        changed.
      </p>
      <details>
        <summary>The score history as a table</summary>
        <table>
          <caption className="visually-hidden">Scores of the last 90 days, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col" className="number">
                Score
              </th>
              <th scope="col">Band</th>
            </tr>
          </thead>
          <tbody>
            {history.map((h) => (
              <tr key={h.at}>
                <td>{formatDateTime(h.at)}</td>
                <td className="number">{formatScore(h.score)}</td>
                <td>{h.band}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}
