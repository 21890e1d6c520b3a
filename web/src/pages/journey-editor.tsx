// The journey editor: the current definition as YAML, checked by the server as you type (the same
// checks as publishing), each problem listed at its path and line; publishing a new version for
// marketers and admins; a simulation of the draft on one customer, in their local time; and a backtest
// of the draft over the last days of real history, beside the published version's real figures.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { parse } from 'yaml';
import { api } from '../api.ts';
import { JourneyBacktest } from '../components/journey-backtest.tsx';
import { JourneySimulation } from '../components/journey-simulation.tsx';
import { definitionYaml, lineRange } from '../components/journey-yaml.ts';
import { useSession } from '../session.tsx';
import { asApiError, Card, ErrorNote, Loading, PageHeader, useAction, useLoad } from '../ui.tsx';
import type { JourneyDetail } from './journey.tsx';
import './journey-editor.css';

type Problem = { path: string; message: string; line?: number };
type Validation = { text: string; ok: boolean; errors: Problem[] };

const VALIDATE_AFTER_MS = 300;

const pathName = (path: string) => (path === '(body)' || path === '(root)' ? 'the whole text' : path);

export function JourneyEditorPage() {
  const { key = '' } = useParams();
  const detail = useLoad(() => api.get<JourneyDetail>(`/journeys/${encodeURIComponent(key)}`), [key]);
  if (detail.error) {
    return (
      <>
        <PageHeader title="Edit journey" />
        <ErrorNote error={detail.error} retry={detail.reload} />
        <Link to="/journeys">Back to the journeys</Link>
      </>
    );
  }
  if (!detail.data) return <Loading what="the definition" />;
  return <Editor journey={detail.data} />;
}

function Editor({ journey }: { journey: JourneyDetail }) {
  const ids = useId();
  const navigate = useNavigate();
  const { can } = useSession();
  const mayPublish = can('journeys.publish') && journey.status !== 'archived';
  const initial = useMemo(() => (journey.definition ? definitionYaml(journey.definition) : ''), [journey]);
  const [text, setText] = useState(initial);
  const [validation, setValidation] = useState<Validation | null>(null);
  const [checkError, setCheckError] = useState<string | null>(null);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const latest = useRef(0);

  // Checked by the server a moment after typing stops; a slower earlier answer never replaces a newer one.
  useEffect(() => {
    const ticket = ++latest.current;
    const timer = setTimeout(() => {
      api
        .post<{ ok: boolean; errors: Problem[] }>('/journeys/validate', { definition: text, journey: journey.key })
        .then((answer) => {
          if (ticket !== latest.current) return;
          setValidation({ text, ...answer });
          setCheckError(null);
        })
        .catch((caught: unknown) => {
          if (ticket === latest.current) setCheckError(asApiError(caught).message);
        });
    }, VALIDATE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [text, journey.key]);

  const checked = validation !== null && validation.text === text;
  const problems = validation?.errors ?? [];
  const changed = text !== initial;
  const readyToPublish = checked && validation.ok && changed;

  const publish = useAction(async () => {
    const result = await api.post<{ version: number; created: boolean }>(
      `/journeys/${encodeURIComponent(journey.key)}/versions`,
      parse(text),
    );
    navigate(`/journeys/${encodeURIComponent(journey.key)}`, {
      state: {
        published: result.created
          ? `Version ${result.version} published. New enrollments start on it; running ones stay on the version they started with.`
          : `Nothing new to publish: version ${result.version} is already this definition.`,
      },
    });
  });

  const goToLine = (line: number) => {
    const area = textarea.current;
    if (!area) return;
    const [start, end] = lineRange(area.value, line);
    area.focus();
    area.setSelectionRange(start, end);
    const lineHeight = Number.parseFloat(getComputedStyle(area).lineHeight) || 20;
    area.scrollTop = Math.max(0, (line - 3) * lineHeight);
  };

  const status = !checked
    ? 'Checking…'
    : validation.ok
      ? changed
        ? 'No problems: ready to publish.'
        : 'No problems. Change the definition to publish a new version.'
      : `${problems.length} problem${problems.length === 1 ? '' : 's'} to fix before publishing.`;

  return (
    <>
      <PageHeader
        title={`Edit ${journey.name}`}
        subtitle={
          <>
            <span className="code">{journey.key}</span> · editing from version {journey.currentVersion ?? '—'} ·{' '}
            <Link to={`/journeys/${encodeURIComponent(journey.key)}`}>back to the journey</Link>
          </>
        }
      />
      <div className="journey-editor-layout">
        <Card title="Definition">
          <label htmlFor={`${ids}-yaml`}>Definition (YAML)</label>
          <p id={`${ids}-help`} className="muted journey-editor-help">
            The schema is at <span className="code">GET /v1/journeys/schema</span>. Problems are listed below the text as you type.
          </p>
          <textarea
            id={`${ids}-yaml`}
            ref={textarea}
            className="code journey-yaml"
            value={text}
            onChange={(event) => setText(event.target.value)}
            spellCheck={false}
            autoCapitalize="off"
            autoCorrect="off"
            rows={Math.min(40, Math.max(16, text.split('\n').length + 1))}
            aria-invalid={checked && !validation.ok}
            aria-describedby={`${ids}-help ${ids}-status ${ids}-problems`}
          />
          <p id={`${ids}-status`} role="status" className={checked && !validation.ok ? 'journey-check bad' : 'journey-check'}>
            {checkError ?? status}
          </p>
          <ul id={`${ids}-problems`} className="journey-problems" aria-label="Problems in the definition">
            {checked
              ? problems.map((problem, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: two problems may share a path
                  <li key={`${problem.path}-${index}`}>
                    {problem.line !== undefined ? (
                      <button type="button" className="journey-line-link" onClick={() => goToLine(problem.line as number)}>
                        Line {problem.line}
                      </button>
                    ) : null}{' '}
                    <span className="code journey-problem-path">{pathName(problem.path)}</span>: {problem.message}
                  </li>
                ))
              : null}
          </ul>
          {mayPublish ? (
            <div className="journey-publish">
              <button type="button" className="button" disabled={!readyToPublish || publish.busy} onClick={() => void publish.perform()}>
                {publish.busy ? 'Publishing…' : `Publish version ${(journey.versions.at(-1)?.version ?? 0) + 1}`}
              </button>
              {!readyToPublish && checked && !validation.ok ? <span className="muted"> Fix the problems above to publish.</span> : null}
              <ErrorNote error={publish.error} />
            </div>
          ) : (
            <p className="muted">
              {journey.status === 'archived'
                ? 'This journey is archived: it takes no new versions.'
                : 'Only marketers and admins publish journeys; you can check and simulate a draft here.'}
            </p>
          )}
        </Card>
        <Card title="Simulate the draft">
          <JourneySimulation journeyKey={journey.key} draft={text} />
        </Card>
      </div>
      <Card title="Backtest the draft">
        <JourneyBacktest journeyKey={journey.key} draft={text} draftIsValid={checked && validation.ok} />
      </Card>
    </>
  );
}
