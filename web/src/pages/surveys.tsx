// Survey results: are customers happy, and is it getting better? CSAT and NPS by week (charts, with the
// same figures as a table), by journey, the response rate, and the latest comments, for a period and a
// journey kept in the address. Weeks are ISO weeks (Monday to Sunday) in the viewer's time zone.
import { useId } from 'react';
import { Link } from 'react-router';
import { Bar, BarChart, CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useAddressFilters } from '../address-filters.ts';
import { api } from '../api.ts';
import type { CsatFigures, JourneyItem, NpsFigures, ResponseRate, SurveySummary } from '../components/tpl-types.ts';
import { formatDate, formatDateTime, formatNumber, formatPercent, viewerTimeZone } from '../format.ts';
import { Card, EmptyState, ErrorNote, Loading, PageHeader, useLoad } from '../ui.tsx';
import './surveys.css';

const periods = {
  '4w': ['Last 4 weeks', 4],
  '12w': ['Last 12 weeks', 12],
  '26w': ['Last 26 weeks', 26],
  '52w': ['Last 52 weeks', 52],
  all: ['All time', 0],
} as const;
type PeriodKey = keyof typeof periods;
const DEFAULT_PERIOD: PeriodKey = '12w';

const axisTick = { fill: '#57606a', fontSize: 12 };

/** A local calendar date, YYYY-MM-DD, in the viewer's zone. */
const localDate = (date: Date) =>
  `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;

/** The period as dates: from the Monday `weeks - 1` weeks before this week's, to today (whole ISO weeks). */
function periodDates(key: PeriodKey, today = new Date()): { from: string | null; to: string | null } {
  const weeks = periods[key][1];
  if (weeks === 0) return { from: null, to: null };
  const monday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - ((today.getDay() + 6) % 7) - 7 * (weeks - 1));
  return { from: localDate(monday), to: localDate(today) };
}

const csatWords = (csat: CsatFigures) => (csat.average === null ? '—' : `${formatNumber(csat.average, 2)} / 5`);
const npsWords = (nps: NpsFigures) => (nps.score === null ? '—' : `${nps.score > 0 ? '+' : ''}${formatNumber(nps.score, 1)}`);
const rateWords = (rate: ResponseRate) => (rate.rate === null ? '—' : formatPercent(rate.rate));

export function SurveysPage() {
  const [params, changeAddress] = useAddressFilters();
  const periodParam = params.get('period');
  const period: PeriodKey = periodParam && periodParam in periods ? (periodParam as PeriodKey) : DEFAULT_PERIOD;
  const journey = params.get('journey') ?? '';
  const timezone = viewerTimeZone();
  const ids = { period: useId(), journey: useId() };
  const dates = periodDates(period);
  const journeys = useLoad(() => api.get<{ journeys: JourneyItem[] }>('/journeys'), []);
  const summary = useLoad(
    () => api.get<SurveySummary>('/surveys/summary', { ...dates, journey: journey || null, timezone }),
    [dates.from, dates.to, journey, timezone],
  );

  function change(name: string, value: string | null) {
    changeAddress({ [name]: value });
  }

  const s = summary.data;
  const answers = s ? s.csat.answers + s.nps.answers : 0;
  const filtered = period !== 'all' || journey !== '';
  return (
    <>
      <PageHeader
        title="Survey results"
        subtitle={`CSAT and NPS from the surveys in journey emails. Weeks run Monday to Sunday in your time zone (${timezone}).`}
      />
      <form className="filters" aria-label="Filter the survey results" onSubmit={(event) => event.preventDefault()}>
        <div>
          <label htmlFor={ids.period}>Period</label>
          <select
            id={ids.period}
            value={period}
            onChange={(event) => change('period', event.target.value === DEFAULT_PERIOD ? null : event.target.value)}
          >
            {Object.entries(periods).map(([key, [label]]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={ids.journey}>Journey</label>
          <select id={ids.journey} value={journey} onChange={(event) => change('journey', event.target.value || null)}>
            <option value="">All journeys</option>
            {(journeys.data?.journeys ?? []).map((j) => (
              <option key={j.key} value={j.key}>
                {j.name}
              </option>
            ))}
          </select>
        </div>
        {dates.from ? (
          <p className="muted srv-period">
            {formatDate(`${dates.from}T12:00:00`)} to {formatDate(`${dates.to}T12:00:00`)}
          </p>
        ) : null}
      </form>
      <ErrorNote error={summary.error ?? journeys.error} retry={summary.reload} />
      {!s && summary.loading ? <Loading what="survey results" /> : null}
      {s && answers === 0 && s.responseRate.sent === 0 ? (
        filtered ? (
          <EmptyState title="No survey answers in this period.">
            <p>Widen the period or choose all journeys. {period !== 'all' ? 'Earlier answers show under “All time”.' : ''}</p>
          </EmptyState>
        ) : (
          <EmptyState title="No survey answers yet.">
            <p>
              Surveys go out in journey emails that ask for one: the post-purchase check-in asks for a CSAT score a few days after an order
              arrives. Answers show here once they settle, a couple of minutes after the customer answers.
            </p>
            <p>
              Check that a journey with a survey is running on <Link to="/journeys">the journeys page</Link>, and see what went out in{' '}
              <Link to="/outbox">the outbox</Link>.
            </p>
          </EmptyState>
        )
      ) : null}
      {s && (answers > 0 || s.responseRate.sent > 0) ? <Results summary={s} /> : null}
    </>
  );
}

function Results({ summary: s }: { summary: SurveySummary }) {
  return (
    <>
      <div className="grid three srv-headline">
        <Card title="CSAT">
          <p className="srv-figure">{csatWords(s.csat)}</p>
          <p className="muted">
            {s.csat.answers === 0
              ? 'No CSAT answers.'
              : `${formatPercent(s.csat.satisfiedShare)} satisfied (4 or 5): ${s.csat.satisfied} of ${s.csat.answers} answers`}
          </p>
        </Card>
        <Card title="NPS">
          <p className="srv-figure">{npsWords(s.nps)}</p>
          <p className="muted">
            {s.nps.answers === 0
              ? 'No NPS answers.'
              : `${s.nps.promoters} promoters (9–10), ${s.nps.passives} passives (7–8), ${s.nps.detractors} detractors (0–6) of ${s.nps.answers}`}
          </p>
        </Card>
        <Card title="Response rate">
          <p className="srv-figure">{rateWords(s.responseRate)}</p>
          <p className="muted">
            {s.responseRate.sent === 0
              ? 'No survey email went out in this period.'
              : `${s.responseRate.answered} of ${s.responseRate.sent} survey emails sent in the period were answered`}
          </p>
        </Card>
      </div>
      <ByWeek summary={s} />
      <ByJourney summary={s} />
      <Comments summary={s} />
    </>
  );
}

function ByWeek({ summary: s }: { summary: SurveySummary }) {
  const weeks = s.byWeek.map((w) => ({
    label: formatDate(`${w.startsOn}T12:00:00`),
    csat: w.csat.average,
    nps: w.nps.score,
  }));
  const hasCsat = s.csat.answers > 0;
  const hasNps = s.nps.answers > 0;
  return (
    <Card title="By week">
      <div className="grid two">
        {hasCsat ? (
          <figure className="srv-chart">
            <figcaption>CSAT average by week (1 to 5)</figcaption>
            <div aria-hidden="true">
              <ResponsiveContainer width="100%" height={220}>
                <LineChart data={weeks} margin={{ top: 8, right: 16, bottom: 4, left: 0 }} accessibilityLayer={false}>
                  <CartesianGrid stroke="#eaeef2" />
                  <XAxis dataKey="label" tick={axisTick} />
                  <YAxis domain={[1, 5]} ticks={[1, 2, 3, 4, 5]} tick={axisTick} width={32} />
                  <Tooltip formatter={(value) => [formatNumber(Number(value), 2), 'CSAT average']} />
                  <Line
                    type="monotone"
                    dataKey="csat"
                    stroke="#0b57a4"
                    strokeWidth={2}
                    dot={{ r: 4 }}
                    connectNulls
                    isAnimationActive={false}
                  />
                </LineChart>
              </ResponsiveContainer>
            </div>
          </figure>
        ) : null}
        {hasNps ? (
          <figure className="srv-chart">
            <figcaption>NPS by week (−100 to +100)</figcaption>
            <div aria-hidden="true">
              <ResponsiveContainer width="100%" height={220}>
                <BarChart data={weeks} margin={{ top: 8, right: 16, bottom: 4, left: 0 }} accessibilityLayer={false}>
                  <CartesianGrid stroke="#eaeef2" />
                  <XAxis dataKey="label" tick={axisTick} />
                  <YAxis domain={[-100, 100]} ticks={[-100, -50, 0, 50, 100]} tick={axisTick} width={40} />
                  <ReferenceLine y={0} stroke="#57606a" />
                  <Tooltip formatter={(value) => [formatNumber(Number(value), 1), 'NPS']} />
                  <Bar dataKey="nps" fill="#6f42c1" isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            </div>
          </figure>
        ) : null}
      </div>
      <div className="srv-table-wrap">
        <table>
          <caption className="srv-caption">The weekly figures</caption>
          <thead>
            <tr>
              <th scope="col">Week of</th>
              <ScoreHeaders />
              <th scope="col" className="number">
                Response rate
              </th>
            </tr>
          </thead>
          <tbody>
            {s.byWeek.map((w) => (
              <tr key={w.week}>
                <th scope="row">
                  {formatDate(`${w.startsOn}T12:00:00`)} <span className="muted">({w.week})</span>
                </th>
                <ScoreCells figures={w} />
                <td className="number">
                  {rateWords(w.responseRate)}
                  {w.responseRate.sent > 0 ? (
                    <span className="muted">
                      {' '}
                      ({w.responseRate.answered}/{w.responseRate.sent})
                    </span>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted srv-note">
        Scores count in the week they were given; the response rate counts the survey emails sent that week, answered since.
      </p>
    </Card>
  );
}

/** The score columns every results table shares: CSAT answers, average and share satisfied, NPS answers and score. */
function ScoreHeaders() {
  return (
    <>
      {['CSAT answers', 'CSAT average', 'Satisfied', 'NPS answers', 'NPS'].map((name) => (
        <th key={name} scope="col" className="number">
          {name}
        </th>
      ))}
    </>
  );
}

function ScoreCells({ figures }: { figures: Pick<SurveySummary, 'csat' | 'nps'> }) {
  return (
    <>
      <td className="number">{figures.csat.answers}</td>
      <td className="number">{csatWords(figures.csat)}</td>
      <td className="number">{formatPercent(figures.csat.satisfiedShare)}</td>
      <td className="number">{figures.nps.answers}</td>
      <td className="number">{npsWords(figures.nps)}</td>
    </>
  );
}

function ByJourney({ summary: s }: { summary: SurveySummary }) {
  return (
    <Card title="By journey">
      <div className="srv-table-wrap">
        <table>
          <caption className="visually-hidden">Survey results by journey</caption>
          <thead>
            <tr>
              <th scope="col">Journey</th>
              <ScoreHeaders />
              <th scope="col" className="number">
                Sent
              </th>
              <th scope="col" className="number">
                Response rate
              </th>
            </tr>
          </thead>
          <tbody>
            {s.byJourney.map((j) => (
              <tr key={j.journeyKey ?? '(none)'}>
                <th scope="row">
                  {j.journeyKey ? (
                    <Link to={`/journeys/${encodeURIComponent(j.journeyKey)}`}>{j.journeyName ?? j.journeyKey}</Link>
                  ) : (
                    <span className="muted">No journey</span>
                  )}
                </th>
                <ScoreCells figures={j} />
                <td className="number">{j.responseRate.sent}</td>
                <td className="number">{rateWords(j.responseRate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

function Comments({ summary: s }: { summary: SurveySummary }) {
  return (
    <Card title="Latest comments">
      {s.latestComments.length === 0 ? (
        <p className="muted">No answer in this period came with a comment. Customers can add one on the survey page after they answer.</p>
      ) : (
        <ul className="srv-comments">
          {s.latestComments.map((c) => (
            <li key={`${c.customerId}-${c.at}`}>
              <blockquote>{c.comment}</blockquote>
              <p className="muted">
                <span className={`pill srv-score srv-score-${scoreTone(c.kind, c.score)}`}>
                  {c.kind.toUpperCase()} {c.score}
                  <span className="visually-hidden"> out of {c.kind === 'csat' ? 5 : 10}</span>
                </span>{' '}
                <Link to={`/customers/${encodeURIComponent(c.customerId)}`}>{c.customerId}</Link>
                {c.journeyKey ? ` · ${c.journeyName ?? c.journeyKey}` : ''} · {formatDateTime(c.at)}
              </p>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function scoreTone(kind: 'csat' | 'nps', score: number): 'good' | 'neutral' | 'bad' {
  if (kind === 'csat') return score >= 4 ? 'good' : score === 3 ? 'neutral' : 'bad';
  return score >= 9 ? 'good' : score >= 7 ? 'neutral' : 'bad';
}
