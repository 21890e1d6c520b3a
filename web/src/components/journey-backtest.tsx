// The draft replayed over the last 7, 30 or 90 days of real events, against the messages other journeys
// really sent (POST /v1/journeys/:key/backtest), beside what the published version really did over the
// same window: enrollments, messages, goals, skips and deferrals by reason, messages per day (a chart,
// and the same figures as a table) and the funnel. Nothing is stored or sent.
import { useId, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { BacktestFigures, BacktestResult } from '../../../core/journey/backtest.ts';
import { api } from '../api.ts';
import { formatDateTime, formatNumber } from '../format.ts';
import { ErrorNote, useAction } from '../ui.tsx';

type Figures = BacktestFigures;
/** The answer of POST /v1/journeys/:key/backtest. */
export type BacktestAnswer = BacktestResult & { key: string; published: (Figures & { version: number }) | null };

const windows = [7, 30, 90] as const;
const AXIS = { fontSize: 12, fill: '#57606a' };

const reasonWords: Record<string, string> = {
  frequency_cap: 'frequency cap',
  quiet_hours: 'quiet hours',
  suppressed: 'suppressed',
  no_marketing_consent: 'no marketing consent',
  holdout: 'holdout (control group)',
  decision_window: 'decision window',
  priority: 'a journey of higher priority',
};
const reasonName = (reason: string) => reasonWords[reason] ?? reason.replaceAll('_', ' ');

/** Rows of figures: the draft's, and the published version's real ones when there is one. */
function comparisonRows(answer: BacktestAnswer): { label: string; draft: number; real: number | null }[] {
  const real = answer.published;
  const reasons = (pick: (figures: Figures) => Record<string, number>) =>
    [...new Set([...Object.keys(pick(answer)), ...Object.keys(real ? pick(real) : {})])].sort();
  return [
    { label: 'Enrollments', draft: answer.enrollments, real: real?.enrollments ?? null },
    { label: 'Messages sent', draft: answer.messages, real: real?.messages ?? null },
    { label: 'Goals reached', draft: answer.goals, real: real?.goals ?? null },
    { label: 'Exited early', draft: answer.exited, real: real?.exited ?? null },
    ...reasons((figures) => figures.skipped).map((reason) => ({
      label: `Skipped: ${reasonName(reason)}`,
      draft: answer.skipped[reason] ?? 0,
      real: real ? (real.skipped[reason] ?? 0) : null,
    })),
    ...reasons((figures) => figures.deferred).map((reason) => ({
      label: `Deferred: ${reasonName(reason)}`,
      draft: answer.deferred[reason] ?? 0,
      real: real ? (real.deferred[reason] ?? 0) : null,
    })),
  ];
}

export function JourneyBacktest({ journeyKey, draft, draftIsValid }: { journeyKey: string; draft: string; draftIsValid: boolean }) {
  const ids = useId();
  const [days, setDays] = useState<(typeof windows)[number]>(30);
  const [answer, setAnswer] = useState<BacktestAnswer | null>(null);
  const [answeredFor, setAnsweredFor] = useState<string | null>(null);
  const [showTable, setShowTable] = useState(false);
  const run = useAction(async () => {
    const result = await api.post<BacktestAnswer>(`/journeys/${encodeURIComponent(journeyKey)}/backtest`, { days, definition: draft });
    setAnswer(result);
    setAnsweredFor(draft);
  });
  const stale = answer !== null && answeredFor !== draft;

  return (
    <div className="journey-backtest">
      <p className="muted journey-backtest-help">
        Replays the draft over the real events of the last days, with the messages other journeys really sent counting against the caps, and
        the quiet hours of each customer. Nothing is stored or sent.
      </p>
      <form
        className="journey-backtest-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (draftIsValid) void run.perform();
        }}
      >
        <label htmlFor={`${ids}-days`}>History to replay</label>
        <select id={`${ids}-days`} value={days} onChange={(event) => setDays(Number(event.target.value) as (typeof windows)[number])}>
          {windows.map((n) => (
            <option key={n} value={n}>
              Last {n} days
            </option>
          ))}
        </select>
        <button type="submit" className="button" disabled={!draftIsValid || run.busy} aria-describedby={`${ids}-state`}>
          {run.busy ? 'Running the backtest…' : 'Run the backtest'}
        </button>
      </form>
      <p id={`${ids}-state`} role="status" className="muted journey-backtest-state">
        {run.busy
          ? `Replaying the last ${days} days of history…`
          : !draftIsValid
            ? 'Fix the problems in the definition to run a backtest.'
            : stale
              ? 'The definition changed since this backtest: run it again to see the new draft.'
              : answer
                ? `Replayed ${formatNumber(answer.customers)} customers from ${formatDateTime(answer.from)} to ${formatDateTime(answer.to)}.`
                : ''}
      </p>
      <ErrorNote error={run.error} />
      {answer ? (
        <div className={stale ? 'journey-backtest-result stale' : 'journey-backtest-result'}>
          <table className="journey-backtest-table">
            <caption>
              The draft over the last {answer.days} days
              {answer.published ? `, beside version ${answer.published.version}'s real figures` : ' (no published version to compare)'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Figure</th>
                <th scope="col" className="number">
                  Draft
                </th>
                {answer.published ? (
                  <th scope="col" className="number">
                    Version {answer.published.version} (real)
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {comparisonRows(answer).map((row) => (
                <tr key={row.label}>
                  <th scope="row">{row.label}</th>
                  <td className="number">{formatNumber(row.draft)}</td>
                  {answer.published ? <td className="number">{formatNumber(row.real ?? 0)}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>

          <h3 className="journey-backtest-heading">Messages per day ({answer.zone})</h3>
          <PerDay answer={answer} showTable={showTable} />
          <button type="button" className="button secondary" aria-pressed={showTable} onClick={() => setShowTable(!showTable)}>
            {showTable ? 'Hide the table of messages per day' : 'Show messages per day as a table'}
          </button>

          <table className="journey-backtest-table">
            <caption>The draft's funnel per step</caption>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col" className="number">
                  Entered
                </th>
                <th scope="col" className="number">
                  Sent
                </th>
                <th scope="col" className="number">
                  Skipped
                </th>
                <th scope="col" className="number">
                  Deferred
                </th>
              </tr>
            </thead>
            <tbody>
              {answer.funnel.map((step) => (
                <tr key={step.stepId}>
                  <th scope="row">
                    <span className="code">{step.stepId}</span> <span className="muted">{step.kind}</span>
                  </th>
                  <td className="number">{formatNumber(step.entered)}</td>
                  <td className="number">{step.kind === 'send' ? formatNumber(step.sent) : ''}</td>
                  <td className="number">{step.kind === 'send' ? formatNumber(step.skipped) : ''}</td>
                  <td className="number">{step.kind === 'send' ? formatNumber(step.deferred) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}

function PerDay({ answer, showTable }: { answer: BacktestAnswer; showTable: boolean }) {
  const realByDay = new Map((answer.published?.perDay ?? []).map((day) => [day.date, day.messages]));
  const data = answer.perDay.map((day) => ({
    date: day.date.slice(5),
    full: day.date,
    draft: day.messages,
    ...(answer.published ? { real: realByDay.get(day.date) ?? 0 } : {}),
  }));
  const busiest = answer.perDay.reduce((best, day) => (day.messages > (best?.messages ?? -1) ? day : best), answer.perDay[0]);
  return (
    <>
      <div
        className="journey-chart"
        role="img"
        aria-label={`Messages per day of the draft: ${formatNumber(answer.messages)} over ${answer.perDay.length} days${
          busiest && busiest.messages > 0 ? `, most on ${busiest.date} (${formatNumber(busiest.messages)})` : ''
        }. The same figures are in the table below the chart.`}
      >
        <ResponsiveContainer width="100%" height={180}>
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 4, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="date" tick={AXIS} interval="preserveStartEnd" minTickGap={12} />
            <YAxis allowDecimals={false} tick={AXIS} width={40} />
            <Tooltip labelFormatter={(_, payload) => String(payload?.[0]?.payload?.full ?? '')} />
            <Bar dataKey="draft" name="Draft" fill="#0969da" isAnimationActive={false} />
            {answer.published ? (
              <Bar dataKey="real" name={`Version ${answer.published.version} (real)`} fill="#8c959f" isAnimationActive={false} />
            ) : null}
            {answer.published ? <Legend /> : null}
          </BarChart>
        </ResponsiveContainer>
      </div>
      {showTable ? (
        <table className="journey-backtest-table">
          <caption>Messages per day ({answer.zone})</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col" className="number">
                Draft
              </th>
              {answer.published ? (
                <th scope="col" className="number">
                  Version {answer.published.version} (real)
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {answer.perDay.map((day) => (
              <tr key={day.date}>
                <th scope="row">{day.date}</th>
                <td className="number">{formatNumber(day.messages)}</td>
                {answer.published ? <td className="number">{formatNumber(realByDay.get(day.date) ?? 0)}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
