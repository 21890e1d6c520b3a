// Try a draft on one customer before publishing: a stored customer (found by name or email) or one
// described here, a short history of events to come, survey answers; the timeline of what the journey
// would do, in the customer's own time zone. Nothing is stored or sent.
import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import { parse } from 'yaml';
import { allRawSteps, journeyEventTypes } from '../../../core/journey/definition.ts';
import { api } from '../api.ts';
import { formatDateTime, viewerTimeZone } from '../format.ts';
import { ErrorNote, useAction, useLoad } from '../ui.tsx';

type CustomerRow = { id: string; name: string | null; email: string | null; band: string | null };
type HistoryEvent = { type: string; offset: string; properties: string };
type TimelineEntry = { at: string; local: string; step: string; kind: string; status: string; detail?: Record<string, unknown> };
export type SimulationResult = {
  customer: { customerId: string | null; timezone: string };
  start: string;
  outcome: 'completed' | 'exited' | 'goal_reached' | 'running';
  endedAt: string | null;
  endReason: string | null;
  messages: { step: string; template: string; at: string }[];
  timeline: TimelineEntry[];
};

const outcomes = {
  completed: 'Completed',
  exited: 'Exited',
  goal_reached: 'Goal reached',
  running: 'Still running at the end of the simulated days',
} as const;

const isIsoInstant = (value: unknown): value is string => typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value);

function detailText(detail: Record<string, unknown> | undefined, timeZone: string): string {
  if (!detail) return '';
  return Object.entries(detail)
    .map(
      ([name, value]) =>
        `${name}: ${isIsoInstant(value) ? formatDateTime(value, timeZone) : typeof value === 'string' ? value : JSON.stringify(value)}`,
    )
    .join('; ');
}

/** The send steps of a draft that carry a survey, variants' steps included, read from its text (nothing when it does not parse). */
function surveySteps(draft: string): { id: string; kind: string }[] {
  try {
    return allRawSteps(parse(draft))
      .map(({ step }) => step as { id?: unknown; send?: { survey?: { kind?: unknown } } } | null)
      .filter((step) => typeof step?.id === 'string' && typeof step.send?.survey?.kind === 'string')
      .map((step) => ({ id: step?.id as string, kind: step?.send?.survey?.kind as string }));
  } catch {
    return [];
  }
}

function CustomerSearch({ selected, onSelect }: { selected: CustomerRow | null; onSelect: (customer: CustomerRow) => void }) {
  const ids = useId();
  const [query, setQuery] = useState('');
  const [debounced, setDebounced] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(query.trim()), 300);
    return () => clearTimeout(timer);
  }, [query]);
  const found = useLoad(
    () =>
      debounced === ''
        ? Promise.resolve({ customers: [] as CustomerRow[] })
        : api.get<{ customers: CustomerRow[] }>('/customers', { q: debounced, limit: 6 }),
    [debounced],
  );
  const customers = found.data?.customers ?? [];
  return (
    <div className="journey-customer-search">
      <label htmlFor={`${ids}-q`}>Find a customer by name or email</label>
      <input id={`${ids}-q`} type="search" value={query} onChange={(event) => setQuery(event.target.value)} autoComplete="off" />
      <ErrorNote error={found.error} />
      {debounced !== '' && found.data && customers.length === 0 ? <p className="muted">Nobody matches “{debounced}”.</p> : null}
      {customers.length > 0 ? (
        <fieldset className="journey-customer-results">
          <legend className="visually-hidden">Customers found</legend>
          {customers.map((customer) => (
            <label key={customer.id} className="journey-choice">
              <input type="radio" name={`${ids}-customer`} checked={selected?.id === customer.id} onChange={() => onSelect(customer)} />{' '}
              {customer.name ?? customer.id} <span className="muted">{customer.email ?? ''}</span>
            </label>
          ))}
        </fieldset>
      ) : null}
      {selected ? (
        <p>
          Simulating for <strong>{selected.name ?? selected.id}</strong> <span className="muted">({selected.id})</span>.
        </p>
      ) : null}
    </div>
  );
}

export function JourneySimulation({ journeyKey, draft }: { journeyKey: string; draft: string }) {
  const ids = useId();
  const [who, setWho] = useState<'stored' | 'described'>('stored');
  const [customer, setCustomer] = useState<CustomerRow | null>(null);
  const [timezone, setTimezone] = useState(viewerTimeZone());
  const [consent, setConsent] = useState(true);
  const [band, setBand] = useState('');
  const [events, setEvents] = useState<HistoryEvent[]>([]);
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const [days, setDays] = useState('30');
  const [group, setGroup] = useState<'treatment' | 'control'>('treatment');
  const [result, setResult] = useState<SimulationResult | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const surveys = useMemo(() => surveySteps(draft), [draft]);

  const run = useAction(async () => {
    setResult(null);
    const body = {
      definition: draft,
      customer:
        who === 'stored'
          ? { customerId: customer?.id }
          : { timezone, consent: { marketing: consent }, ...(band ? { churnBand: band } : {}) },
      days: Number(days),
      group,
      events: events.map((event) => ({
        type: event.type,
        offset: event.offset.trim(),
        ...(event.properties.trim() ? { properties: JSON.parse(event.properties) as Record<string, unknown> } : {}),
      })),
      surveyAnswers: Object.fromEntries(
        Object.entries(answers)
          .filter(([, value]) => value.trim() !== '')
          .map(([step, value]) => [step, Number(value)]),
      ),
    };
    setResult(await api.post<SimulationResult>(`/journeys/${encodeURIComponent(journeyKey)}/simulate`, body));
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    if (who === 'stored' && !customer) return setProblem('Pick a customer first, or describe one.');
    for (const [index, item] of events.entries()) {
      if (!item.properties.trim()) continue;
      try {
        JSON.parse(item.properties);
      } catch {
        return setProblem(`Event ${index + 1}: the properties are not JSON, e.g. {"orderId": "o-1"}.`);
      }
    }
    void run.perform();
  };
  const updateEvent = (index: number, change: Partial<HistoryEvent>) =>
    setEvents((current) => current.map((item, i) => (i === index ? { ...item, ...change } : item)));

  return (
    <form onSubmit={submit} className="journey-simulation" aria-label="Simulate this draft">
      <fieldset>
        <legend>Customer</legend>
        <label className="journey-choice">
          <input type="radio" name={`${ids}-who`} checked={who === 'stored'} onChange={() => setWho('stored')} /> A customer of yours
        </label>
        <label className="journey-choice">
          <input type="radio" name={`${ids}-who`} checked={who === 'described'} onChange={() => setWho('described')} /> A customer I
          describe
        </label>
        {who === 'stored' ? (
          <CustomerSearch selected={customer} onSelect={setCustomer} />
        ) : (
          <div className="journey-described">
            <div>
              <label htmlFor={`${ids}-tz`}>Time zone (IANA)</label>
              <input id={`${ids}-tz`} value={timezone} onChange={(event) => setTimezone(event.target.value)} />
            </div>
            <div>
              <label htmlFor={`${ids}-band`}>Churn band</label>
              <select id={`${ids}-band`} value={band} onChange={(event) => setBand(event.target.value)}>
                <option value="">not scored</option>
                <option value="low">low</option>
                <option value="medium">medium</option>
                <option value="high">high</option>
              </select>
            </div>
            <label className="journey-choice">
              <input type="checkbox" checked={consent} onChange={(event) => setConsent(event.target.checked)} /> Agreed to marketing email
            </label>
          </div>
        )}
      </fieldset>

      <fieldset>
        <legend>What happens after they enter</legend>
        {events.length === 0 ? (
          <p className="muted">No events: the journey runs on its timers alone. Add an order, a delivery, a refund…</p>
        ) : null}
        <ol className="journey-history">
          {events.map((item, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place and have no other identity
            <li key={index} className="journey-history-row">
              <div>
                <label htmlFor={`${ids}-type-${index}`}>Event {index + 1}</label>
                <select
                  id={`${ids}-type-${index}`}
                  value={item.type}
                  onChange={(event) => updateEvent(index, { type: event.target.value })}
                >
                  {journeyEventTypes.map((type) => (
                    <option key={type} value={type}>
                      {type}
                    </option>
                  ))}
                </select>
              </div>
              <div>
                <label htmlFor={`${ids}-offset-${index}`}>After (e.g. P3D, PT6H)</label>
                <input
                  id={`${ids}-offset-${index}`}
                  className="code"
                  size={8}
                  value={item.offset}
                  onChange={(event) => updateEvent(index, { offset: event.target.value })}
                />
              </div>
              <div>
                <label htmlFor={`${ids}-props-${index}`}>Properties (JSON, optional)</label>
                <input
                  id={`${ids}-props-${index}`}
                  className="code"
                  value={item.properties}
                  onChange={(event) => updateEvent(index, { properties: event.target.value })}
                  placeholder='{"orderId": "o-1"}'
                />
              </div>
              <button
                type="button"
                className="button secondary small"
                onClick={() => setEvents((current) => current.filter((_, i) => i !== index))}
                aria-label={`Remove event ${index + 1}`}
              >
                Remove
              </button>
            </li>
          ))}
        </ol>
        <button
          type="button"
          className="button secondary small"
          onClick={() => setEvents((current) => [...current, { type: 'order.placed', offset: 'P3D', properties: '' }])}
        >
          Add an event
        </button>
        {surveys.map((survey) => (
          <div key={survey.id}>
            <label htmlFor={`${ids}-answer-${survey.id}`}>
              Answer to the survey of {survey.id} ({survey.kind === 'nps' ? 'NPS 0–10' : 'CSAT 1–5'}; empty: no answer)
            </label>
            <input
              id={`${ids}-answer-${survey.id}`}
              type="number"
              min={survey.kind === 'nps' ? 0 : 1}
              max={survey.kind === 'nps' ? 10 : 5}
              value={answers[survey.id] ?? ''}
              onChange={(event) => setAnswers((current) => ({ ...current, [survey.id]: event.target.value }))}
            />
          </div>
        ))}
      </fieldset>

      <div className="filters">
        <div>
          <label htmlFor={`${ids}-days`}>Days to simulate</label>
          <input id={`${ids}-days`} type="number" min={1} max={365} value={days} onChange={(event) => setDays(event.target.value)} />
        </div>
        <div>
          <label htmlFor={`${ids}-group`}>Group</label>
          <select id={`${ids}-group`} value={group} onChange={(event) => setGroup(event.target.value as 'treatment' | 'control')}>
            <option value="treatment">treatment (is sent messages)</option>
            <option value="control">holdout (is sent nothing)</option>
          </select>
        </div>
        <button type="submit" className="button" disabled={run.busy}>
          {run.busy ? 'Simulating…' : 'Run simulation'}
        </button>
      </div>
      {problem ? (
        <p className="error-note" role="alert">
          {problem}
        </p>
      ) : null}
      <ErrorNote error={run.error} />
      {result ? <SimulationTimeline result={result} /> : null}
    </form>
  );
}

function SimulationTimeline({ result }: { result: SimulationResult }) {
  const zone = result.customer.timezone;
  return (
    <section className="journey-simulation-result" aria-labelledby="simulation-result-title">
      <h3 id="simulation-result-title">What would happen</h3>
      <p>
        Times in the customer’s time zone, <strong>{zone}</strong>. Entering {formatDateTime(result.start, zone)}.
      </p>
      <p>
        <strong>{outcomes[result.outcome]}</strong>
        {result.endedAt ? ` at ${formatDateTime(result.endedAt, zone)}` : ''}
        {result.endReason ? ` (${result.endReason})` : ''}. {result.messages.length} message{result.messages.length === 1 ? '' : 's'} sent
        {result.messages.length > 0
          ? `: ${result.messages.map((message) => `${message.template} on ${formatDateTime(message.at, zone)}`).join(', ')}`
          : ''}
        .
      </p>
      <table>
        <caption className="visually-hidden">The simulated timeline</caption>
        <thead>
          <tr>
            <th scope="col">When ({zone})</th>
            <th scope="col">Step</th>
            <th scope="col">Kind</th>
            <th scope="col">Status</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {result.timeline.map((entry, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a timeline may repeat a step at the same minute
            <tr key={index}>
              <td>{formatDateTime(entry.at, zone)}</td>
              <td className="code">{entry.step}</td>
              <td>{entry.kind}</td>
              <td>{entry.status.replaceAll('_', ' ')}</td>
              <td>{detailText(entry.detail, zone)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
