// A journey's results: the funnel per step (who entered, waits, was sent, skipped, exited or converted
// there), and whether it works: the goal conversion of treatment against the holdout, each with its
// 95% interval, and the lift with its interval drawn around it; for each A/B split, its variants
// against the first one.
import { Bar, BarChart, CartesianGrid, ErrorBar, LabelList, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatNumber, formatPercent } from '../format.ts';
import { EmptyState } from '../ui.tsx';
import { conversionBars, describeLift, type GroupConversion, type Lift, liftBar, liftDomain } from './journey-lift.ts';

export type StepStats = {
  stepId: string;
  kind: string;
  entered: number;
  waiting: number;
  sent: number;
  skipped: Record<string, number>;
  deferred: number;
  failed: number;
  goalReached: number;
  exited: number;
  inOtherVersion?: true;
};

export type JourneyStats = {
  key: string;
  version: number | null;
  enrollments: { total: number; running: number; completed: number; exited: number; goal_reached: number; failed: number };
  steps: StepStats[];
  conversion: { goal: string | null; treatment: GroupConversion; control: GroupConversion };
  lift: Lift | null;
  splits?: SplitStats[];
};

export type Interval = { lower: number; upper: number };

export type VariantStats = {
  key: string;
  weight: number | null;
  entered: number;
  messages: number;
  goalReached: number;
  rate: number | null;
  interval: Interval | null;
  difference: { absolute: number; interval: Interval; significant: boolean } | null;
};

export type SplitStats = { stepId: string; variants: VariantStats[]; winner: string | null; inOtherVersion?: true };

const BAR_COLOUR = '#0b57a4';
const HOLDOUT_COLOUR = '#6e7781';
const AXIS = { fontSize: 12, fill: '#1f2328' };

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);
const reasons = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([reason, n]) => `${reason.replaceAll('_', ' ')} ${n}`)
    .join(', ');

const shownSteps = (stats: JourneyStats) => stats.steps.filter((step) => !step.inOtherVersion);

export function StepFunnel({ stats }: { stats: JourneyStats }) {
  if (stats.enrollments.total === 0) {
    return (
      <EmptyState title="No enrollments yet.">
        <p>The funnel fills in as customers enter the journey. Try it on a customer from the editor’s simulation meanwhile.</p>
      </EmptyState>
    );
  }
  const data = shownSteps(stats).map((step) => ({ step: step.stepId, entered: step.entered }));
  return (
    <div
      className="journey-chart"
      role="img"
      aria-label={`Enrollments that reached each step: ${data.map((d) => `${d.step} ${d.entered}`).join(', ')}`}
    >
      <ResponsiveContainer width="100%" height={Math.max(160, data.length * 38 + 40)}>
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 48, bottom: 4, left: 8 }}>
          <CartesianGrid horizontal={false} stroke="#d0d7de" />
          <XAxis type="number" allowDecimals={false} tick={AXIS} />
          <YAxis type="category" dataKey="step" width={150} tick={AXIS} />
          <Tooltip />
          <Bar dataKey="entered" name="Entered" fill={BAR_COLOUR} isAnimationActive={false}>
            <LabelList dataKey="entered" position="right" fill="#1f2328" fontSize={12} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Every step in numbers: entered, waiting, sent, skipped by reason, deferred, exits and goals. */
export function StepTable({ stats }: { stats: JourneyStats }) {
  const steps = shownSteps(stats);
  return (
    <table className="journey-funnel-table">
      <caption className="visually-hidden">The funnel per step</caption>
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col" className="number">
            Entered
          </th>
          <th scope="col" className="number">
            Waiting now
          </th>
          <th scope="col" className="number">
            Sent
          </th>
          <th scope="col">Skipped</th>
          <th scope="col" className="number">
            Deferred
          </th>
          <th scope="col" className="number">
            Exited here
          </th>
          <th scope="col" className="number">
            Goal reached here
          </th>
        </tr>
      </thead>
      <tbody>
        {steps.map((step) => (
          <tr key={step.stepId}>
            <th scope="row">
              <span className="code">{step.stepId}</span> <span className="muted">{step.kind}</span>
            </th>
            <td className="number">{formatNumber(step.entered)}</td>
            <td className="number">{formatNumber(step.waiting)}</td>
            <td className="number">{step.kind === 'send' ? formatNumber(step.sent) : ''}</td>
            <td>{total(step.skipped) > 0 ? reasons(step.skipped) : ''}</td>
            <td className="number">{step.kind === 'send' ? formatNumber(step.deferred) : ''}</td>
            <td className="number">{formatNumber(step.exited)}</td>
            <td className="number">{formatNumber(step.goalReached)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function GoalConversion({ stats, holdout }: { stats: JourneyStats; holdout: number }) {
  const goal = stats.conversion.goal;
  if (!goal) {
    return (
      <EmptyState title="This journey has no goal.">
        <p>Add a goal (for example an order within 30 days) in the editor to measure conversion and lift.</p>
      </EmptyState>
    );
  }
  const bars = conversionBars(stats.conversion);
  const lift = stats.lift;
  const { treatment, control } = stats.conversion;
  return (
    <>
      <p>
        Goal: <span className="code">{goal}</span>. Treatment: {formatNumber(treatment.goalReached)} of {formatNumber(treatment.enrolled)} (
        {formatPercent(treatment.rate)}); holdout: {formatNumber(control.goalReached)} of {formatNumber(control.enrolled)} (
        {formatPercent(control.rate)}).
      </p>
      {bars.length > 0 ? (
        <div
          className="journey-chart"
          role="img"
          aria-label={`Goal conversion with 95% intervals: ${bars.map((bar) => `${bar.group} ${bar.percent}% (from ${(bar.percent - bar.error[0]).toFixed(1)}% to ${(bar.percent + bar.error[1]).toFixed(1)}%)`).join('; ')}`}
        >
          <ResponsiveContainer width="100%" height={200}>
            <BarChart data={bars} margin={{ top: 12, right: 16, bottom: 4, left: 8 }}>
              <CartesianGrid vertical={false} stroke="#d0d7de" />
              <XAxis dataKey="group" tick={AXIS} />
              <YAxis unit="%" domain={[0, 100]} tick={AXIS} />
              <Tooltip formatter={(value) => `${value}%`} />
              {/* minPointSize: a 0% bar still gets its place, so its interval is drawn. */}
              <Bar dataKey="percent" name="Goal rate" fill={BAR_COLOUR} isAnimationActive={false} barSize={56} minPointSize={2}>
                <ErrorBar dataKey="error" width={12} strokeWidth={2} stroke="#1f2328" direction="y" />
              </Bar>
            </BarChart>
          </ResponsiveContainer>
        </div>
      ) : null}
      <h3>Lift over the holdout</h3>
      {lift ? (
        <LiftChart lift={lift} />
      ) : (
        <p className="muted">
          {holdout > 0
            ? 'The lift shows once both the treatment and the holdout group have enrollments.'
            : 'This journey has no holdout (holdout: 0), so there is nothing to measure the lift against. Set a holdout percentage in the editor.'}
        </p>
      )}
    </>
  );
}

function LiftChart({ lift }: { lift: Lift }) {
  const bar = liftBar(lift);
  const domain = liftDomain(bar);
  const sentence = describeLift(lift);
  return (
    <>
      <p className={lift.significant ? 'journey-lift-sentence significant' : 'journey-lift-sentence'}>{sentence}</p>
      <div
        className="journey-chart journey-lift-chart"
        role="img"
        aria-label={`Lift over the holdout: ${sentence}`}
        data-testid="journey-lift-chart"
      >
        <ResponsiveContainer width="100%" height={110}>
          <BarChart data={[bar]} layout="vertical" margin={{ top: 8, right: 24, bottom: 8, left: 8 }}>
            <CartesianGrid horizontal={false} stroke="#d0d7de" />
            <XAxis type="number" domain={domain} unit=" pts" tick={AXIS} />
            <YAxis type="category" dataKey="name" width={60} tick={AXIS} />
            <ReferenceLine x={0} stroke="#1f2328" />
            <Bar
              dataKey="points"
              name="Lift (points)"
              fill={lift.significant ? '#1a6b37' : HOLDOUT_COLOUR}
              barSize={26}
              minPointSize={2}
              isAnimationActive={false}
            >
              <ErrorBar dataKey="error" width={14} strokeWidth={2} stroke="#1f2328" direction="x" />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <p className="muted journey-small-print">
        The bar is the difference in goal rate; the whisker is its 95% interval (Newcombe’s hybrid score).
      </p>
    </>
  );
}

/** A share in per cent with its 95% interval: "12.5% (8.1% to 18.9%)". */
const rateWithInterval = (rate: number | null, interval: Interval | null) =>
  rate === null
    ? '—'
    : `${formatPercent(rate)}${interval ? ` (${formatPercent(interval.lower)} to ${formatPercent(interval.upper)})` : ''}`;

/** A difference in percentage points with its interval: "+4.2 pts (−1.0 to +9.4)". */
function pointsWithInterval(difference: VariantStats['difference']): string {
  if (!difference) return '—';
  const points = (share: number) => `${share > 0 ? '+' : share < 0 ? '−' : ''}${Math.abs(share * 100).toFixed(1)}`;
  return `${points(difference.absolute)} pts (${points(difference.interval.lower)} to ${points(difference.interval.upper)})`;
}

/** The share of a split's customers each variant is given, from the weights of the version shown. */
function weightShare(variant: VariantStats, variants: VariantStats[]): string {
  const total = variants.reduce((sum, v) => sum + (v.weight ?? 0), 0);
  return variant.weight === null || total === 0 ? 'other version' : formatPercent(variant.weight / total);
}

/** Each A/B split's variants against its first one: who took it, what they were sent, and who converted. */
export function SplitResults({ stats }: { stats: JourneyStats }) {
  const splits = (stats.splits ?? []).filter((split) => !split.inOtherVersion);
  if (splits.length === 0) return null;
  return (
    <>
      {splits.map((split) => {
        const [first] = split.variants;
        const verdict = split.winner ? `Winner: variant ${split.winner}.` : 'No winner yet.';
        return (
          <section key={split.stepId} className="journey-split" aria-labelledby={`split-${split.stepId}`}>
            <h3 id={`split-${split.stepId}`}>
              Split <span className="code">{split.stepId}</span>
            </h3>
            <p className={split.winner ? 'journey-lift-sentence significant' : 'journey-lift-sentence'}>
              {verdict}{' '}
              {split.winner
                ? 'The 95% interval of its difference in goal rate excludes zero.'
                : split.variants.some((variant) => variant.entered === 0)
                  ? 'The variants are compared once each of them has enrollments.'
                  : `No variant’s difference from variant ${first?.key ?? 'one'} is clear yet: every 95% interval still includes zero.`}
            </p>
            <div className="table-scroll">
              <table className="journey-funnel-table journey-variants-table">
                <caption>
                  Variants of split {split.stepId}, each against variant {first?.key} (treatment enrollments; the holdout is left out)
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Variant</th>
                    <th scope="col" className="number">
                      Share
                    </th>
                    <th scope="col" className="number">
                      Entered
                    </th>
                    <th scope="col" className="number">
                      Messages sent
                    </th>
                    <th scope="col" className="number">
                      Goal reached
                    </th>
                    <th scope="col">Goal rate (95% interval)</th>
                    <th scope="col">Difference from {first?.key} (95% interval)</th>
                  </tr>
                </thead>
                <tbody>
                  {split.variants.map((variant, index) => (
                    <tr key={variant.key}>
                      <th scope="row">
                        <span className="code">{variant.key}</span>
                        {variant.key === split.winner ? <span className="pill journey-winner">winner</span> : null}
                      </th>
                      <td className="number">{weightShare(variant, split.variants)}</td>
                      <td className="number">{formatNumber(variant.entered)}</td>
                      <td className="number">{formatNumber(variant.messages)}</td>
                      <td className="number">{formatNumber(variant.goalReached)}</td>
                      <td>{rateWithInterval(variant.rate, variant.interval)}</td>
                      <td>{index === 0 ? 'reference' : pointsWithInterval(variant.difference)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        );
      })}
      <p className="muted journey-small-print">
        Rates with their 95% Wilson interval; differences in percentage points with Newcombe’s hybrid score interval. A winner is named only
        once an interval excludes zero.
      </p>
    </>
  );
}
