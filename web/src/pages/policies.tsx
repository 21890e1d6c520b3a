// The business's send policies: quiet hours, the frequency caps (marketing emails, and check-ins that
// carry a survey) and the priority decision window, with their versions. A marketer changes them here;
// every send decided from then on records the new version. Others read them.
import { type FormEvent, useEffect, useId, useState } from 'react';
import type { PolicyDocument } from '../../../core/policy/policy-document.ts';
import { ApiError, api } from '../api.ts';
import { formatDateTime } from '../format.ts';
import { useSession } from '../session.tsx';
import { Card, ErrorNote, Loading, PageHeader, useLoad } from '../ui.tsx';
import './policies.css';

type PolicyVersion = {
  version: number;
  policies: PolicyDocument;
  note: string | null;
  createdAt: string | null;
  createdBy: { name: string | null } | null;
};
type CapClass = keyof PolicyDocument['caps'];
type CapRow = { count: number; amount: number; unit: 'hours' | 'days' };
type Draft = {
  quiet: boolean;
  from: string;
  to: string;
  caps: Record<CapClass, CapRow[]>;
  decisionWindow: string;
  note: string;
};

const capClassNames: Record<CapClass, { title: string; help: string }> = {
  marketing: { title: 'Marketing emails', help: 'Win-backs, offers: every journey of the marketing category.' },
  survey: { title: 'Check-ins with a survey', help: 'Transactional emails that ask for an answer. Other service emails are never capped.' },
};

const windows = [
  ['PT0S', 'Off: first come, first served'],
  ['PT15M', '15 minutes'],
  ['PT30M', '30 minutes'],
  ['PT1H', '1 hour'],
  ['PT2H', '2 hours'],
  ['PT4H', '4 hours'],
  ['PT12H', '12 hours'],
] as const;

function capRow(window: string, count: number): CapRow {
  const hours = /^PT(\d+)H$/.exec(window);
  if (hours) return { count, amount: Number(hours[1]), unit: 'hours' };
  const days = /^P(\d+)D$/.exec(window);
  if (days) return { count, amount: Number(days[1]), unit: 'days' };
  const weeks = /^P(\d+)W$/.exec(window);
  return { count, amount: weeks ? Number(weeks[1]) * 7 : 1, unit: 'days' };
}
const capWindow = (row: CapRow) => (row.unit === 'hours' ? `PT${row.amount}H` : `P${row.amount}D`);

function draftOf(policies: PolicyDocument): Draft {
  return {
    quiet: policies.quietHours !== false,
    from: policies.quietHours === false ? '21:00' : policies.quietHours.from,
    to: policies.quietHours === false ? '08:00' : policies.quietHours.to,
    caps: {
      marketing: policies.caps.marketing.map((cap) => capRow(cap.window, cap.count)),
      survey: policies.caps.survey.map((cap) => capRow(cap.window, cap.count)),
    },
    decisionWindow: policies.decisionWindow,
    note: '',
  };
}

function documentOf(draft: Draft): PolicyDocument {
  return {
    quietHours: draft.quiet ? { from: draft.from, to: draft.to } : false,
    caps: {
      marketing: draft.caps.marketing.map((row) => ({ count: row.count, window: capWindow(row) })),
      survey: draft.caps.survey.map((row) => ({ count: row.count, window: capWindow(row) })),
    },
    decisionWindow: draft.decisionWindow,
  };
}

/** One version in a sentence, for the history. */
function summary(policies: PolicyDocument): string {
  const quiet = policies.quietHours === false ? 'no quiet hours' : `quiet ${policies.quietHours.from}–${policies.quietHours.to}`;
  const caps = (capClass: CapClass) => {
    const list = policies.caps[capClass];
    if (list.length === 0) return 'none';
    return list.map((cap) => `${cap.count} per ${describeWindow(cap.window)}`).join(', ');
  };
  const window = windows.find(([value]) => value === policies.decisionWindow)?.[1] ?? policies.decisionWindow;
  return `${quiet}; marketing: ${caps('marketing')}; check-ins: ${caps('survey')}; priority window: ${window.toLowerCase()}`;
}
function describeWindow(window: string): string {
  const row = capRow(window, 1);
  return `${row.amount} ${row.unit === 'hours' ? (row.amount === 1 ? 'hour' : 'hours') : row.amount === 1 ? 'day' : 'days'}`;
}

export function PoliciesPage() {
  const { can } = useSession();
  const mayChange = can('policies.write');
  const current = useLoad(() => api.get<PolicyVersion>('/policies'), []);
  const history = useLoad(() => api.get<{ versions: PolicyVersion[] }>('/policies/versions'), [current.data?.version]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const ids = useId();

  useEffect(() => {
    if (current.data) setDraft(draftOf(current.data.policies));
  }, [current.data]);

  if (current.error) return <ErrorNote error={current.error} retry={current.reload} />;
  if (!current.data || !draft) return <Loading what="the send policies" />;
  const inForce = current.data;

  const update = (change: Partial<Draft>) => {
    setDraft({ ...draft, ...change });
    setMessage(null);
  };
  const updateCap = (capClass: CapClass, index: number, change: Partial<CapRow>) =>
    update({ caps: { ...draft.caps, [capClass]: draft.caps[capClass].map((row, i) => (i === index ? { ...row, ...change } : row)) } });

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!draft) return;
    setSaving(true);
    setError(null);
    setMessage(null);
    try {
      const saved = await api.put<PolicyVersion & { changed: boolean }>('/policies', {
        ...documentOf(draft),
        expectedVersion: inForce.version,
        ...(draft.note.trim() ? { note: draft.note.trim() } : {}),
      });
      setMessage(
        saved.changed
          ? `Saved as version ${saved.version}: every send decided from now on follows it.`
          : `Nothing changed: version ${saved.version} stays in force.`,
      );
      current.reload();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, 'error', 'The policies could not be saved.', null));
    } finally {
      setSaving(false);
    }
  }

  const by = inForce.createdBy?.name ?? (inForce.createdAt ? 'an API key' : null);
  return (
    <>
      <PageHeader
        title="Send policies"
        subtitle={
          inForce.version === 0
            ? 'Version 0: the built-in defaults, unchanged so far.'
            : `Version ${inForce.version}, changed ${formatDateTime(inForce.createdAt)}${by ? ` by ${by}` : ''}${inForce.note ? `: “${inForce.note}”` : '.'}`
        }
      />
      {!mayChange ? <p className="notice">Your role may read the policies; a marketer or an admin changes them.</p> : null}
      <form className="policies-form" onSubmit={save} aria-describedby={`${ids}-status`}>
        <fieldset disabled={!mayChange || saving}>
          <Card title="Quiet hours">
            <p className="muted">No email in this period, in each customer’s own time zone. A journey may set its own.</p>
            <label className="policies-inline">
              <input type="checkbox" checked={draft.quiet} onChange={(event) => update({ quiet: event.target.checked })} /> Keep quiet hours
            </label>
            {draft.quiet ? (
              <div className="policies-row">
                <label>
                  From <input type="time" value={draft.from} required onChange={(event) => update({ from: event.target.value })} />
                </label>
                <label>
                  to <input type="time" value={draft.to} required onChange={(event) => update({ to: event.target.value })} />
                </label>
              </div>
            ) : null}
          </Card>
          <Card title="Frequency caps">
            {(Object.keys(capClassNames) as CapClass[]).map((capClass) => (
              <fieldset key={capClass} className="policies-caps">
                <legend>{capClassNames[capClass].title}</legend>
                <p className="muted">{capClassNames[capClass].help}</p>
                {draft.caps[capClass].length === 0 ? <p>No cap.</p> : null}
                {draft.caps[capClass].map((row, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond their place
                  <div className="policies-row" key={index}>
                    <label>
                      At most{' '}
                      <input
                        type="number"
                        min={1}
                        max={100}
                        required
                        value={row.count}
                        aria-label={`${capClassNames[capClass].title}: at most how many (cap ${index + 1})`}
                        onChange={(event) => updateCap(capClass, index, { count: Number(event.target.value) })}
                      />
                    </label>
                    <label>
                      in{' '}
                      <input
                        type="number"
                        min={1}
                        max={row.unit === 'hours' ? 2160 : 90}
                        required
                        value={row.amount}
                        aria-label={`${capClassNames[capClass].title}: within how long (cap ${index + 1})`}
                        onChange={(event) => updateCap(capClass, index, { amount: Number(event.target.value) })}
                      />
                    </label>
                    <select
                      value={row.unit}
                      aria-label={`${capClassNames[capClass].title}: unit (cap ${index + 1})`}
                      onChange={(event) => updateCap(capClass, index, { unit: event.target.value as CapRow['unit'] })}
                    >
                      <option value="hours">hours</option>
                      <option value="days">days</option>
                    </select>
                    <button
                      type="button"
                      className="button secondary small"
                      onClick={() => update({ caps: { ...draft.caps, [capClass]: draft.caps[capClass].filter((_, i) => i !== index) } })}
                    >
                      Remove<span className="visually-hidden"> this cap</span>
                    </button>
                  </div>
                ))}
                <button
                  type="button"
                  className="button secondary small"
                  onClick={() =>
                    update({ caps: { ...draft.caps, [capClass]: [...draft.caps[capClass], { count: 1, amount: 7, unit: 'days' }] } })
                  }
                >
                  Add a cap<span className="visually-hidden"> to {capClassNames[capClass].title.toLowerCase()}</span>
                </button>
              </fieldset>
            ))}
          </Card>
          <Card title="Priority">
            <p className="muted">
              When emails of several journeys fall due for one customer within this window, the journey with the highest priority goes first
              and the others wait or are skipped. A wider window catches more, and delays every contended email by as much.
            </p>
            <label>
              Decision window{' '}
              <select value={draft.decisionWindow} onChange={(event) => update({ decisionWindow: event.target.value })}>
                {windows.some(([value]) => value === draft.decisionWindow) ? null : (
                  <option value={draft.decisionWindow}>{draft.decisionWindow}</option>
                )}
                {windows.map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
          </Card>
          {mayChange ? (
            <div className="policies-save">
              <label>
                Why (kept with the version){' '}
                <input type="text" maxLength={500} value={draft.note} onChange={(event) => update({ note: event.target.value })} />
              </label>
              <button type="submit" className="button">
                {saving ? 'Saving…' : 'Save as a new version'}
              </button>
              <button type="button" className="button secondary" onClick={() => setDraft(draftOf(inForce.policies))}>
                Undo my changes
              </button>
            </div>
          ) : null}
        </fieldset>
        <div id={`${ids}-status`} role="status" className={message ? 'notice' : undefined}>
          {message}
        </div>
        {error ? (
          <div className="error-note" role="alert">
            <p>
              {error.status === 409
                ? 'Someone changed the policies since you opened them. Reload to see their version, then make your change again.'
                : error.message}
            </p>
            {error.status === 409 ? (
              <button type="button" className="button secondary" onClick={current.reload}>
                Reload
              </button>
            ) : null}
          </div>
        ) : null}
      </form>
      <Card title="Versions">
        <ErrorNote error={history.error} retry={history.reload} />
        {history.data ? (
          <table className="policies-history">
            <caption className="visually-hidden">Every version of the send policies, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">When</th>
                <th scope="col">By</th>
                <th scope="col">Why</th>
                <th scope="col">What it says</th>
              </tr>
            </thead>
            <tbody>
              {history.data.versions.map((version) => (
                <tr key={version.version}>
                  <td>{version.version}</td>
                  <td>{version.createdAt ? formatDateTime(version.createdAt) : '—'}</td>
                  <td>{version.createdBy?.name ?? (version.createdAt ? 'an API key' : 'built in')}</td>
                  <td>{version.note ?? ''}</td>
                  <td>{summary(version.policies)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <Loading what="the versions" />
        )}
      </Card>
    </>
  );
}
