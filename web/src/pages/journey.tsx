// A journey's page: its flow drawn from the definition, whether it works (the funnel per step and the
// goal conversion of treatment against the holdout with the lift and its interval, and each A/B split's
// variants against the first), its versions with
// a diff of any two, and, for marketers and admins, pause, resume and archive.
import { useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { api } from '../api.ts';
import { JourneyFlow } from '../components/journey-flow.tsx';
import type { DefinitionLike } from '../components/journey-graph.ts';
import { GoalConversion, type JourneyStats, SplitResults, StepFunnel, StepTable } from '../components/journey-results.tsx';
import { JourneyVersions, type VersionSummary } from '../components/journey-versions.tsx';
import { formatNumber } from '../format.ts';
import { useSession } from '../session.tsx';
import { Card, ErrorNote, Loading, PageHeader, useAction, useLoad } from '../ui.tsx';
import { JourneyStatusPill, type JourneySummary } from './journeys.tsx';
import './journey.css';
import './journeys.css';

export type JourneyDetail = JourneySummary & {
  version: number | null;
  definition: (DefinitionLike & { key: string; name: string; holdout?: number; description?: string }) | null;
  versions: VersionSummary[];
};

type Control = 'pause' | 'resume' | 'archive';
const done = { pause: 'paused', resume: 'resumed', archive: 'archived' } as const;

function ControlButtons({ journey, onChanged }: { journey: JourneyDetail; onChanged: (message: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const control = useAction(async (action: Control) => {
    const result = await api.post<{ signalled: number }>(`/journeys/${encodeURIComponent(journey.key)}/${action}`);
    setConfirming(false);
    const told = result.signalled > 0 ? ` ${result.signalled} running enrollment${result.signalled === 1 ? ' was' : 's were'} told.` : '';
    onChanged(`${journey.name} is ${done[action]}.${told}`);
  });
  if (journey.status === 'archived') return null;
  return (
    <div className="journey-controls">
      {journey.status === 'active' ? (
        <button type="button" className="button secondary" disabled={control.busy} onClick={() => control.perform('pause')}>
          Pause
        </button>
      ) : (
        <button type="button" className="button secondary" disabled={control.busy} onClick={() => control.perform('resume')}>
          Resume
        </button>
      )}
      {confirming ? null : (
        <button type="button" className="button danger" disabled={control.busy} onClick={() => setConfirming(true)}>
          Archive…
        </button>
      )}
      {confirming ? (
        <fieldset className="journey-confirm-archive">
          <legend>Archive {journey.name}?</legend>
          <p>
            Its {formatNumber(journey.enrollments.running)} running enrollment
            {journey.enrollments.running === 1 ? '' : 's'} end now, and it takes no new customers or versions. This cannot be undone.
          </p>
          <button type="button" className="button danger" disabled={control.busy} onClick={() => control.perform('archive')}>
            Archive for good
          </button>{' '}
          <button type="button" className="button secondary" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </fieldset>
      ) : null}
      <ErrorNote error={control.error} />
    </div>
  );
}

export function JourneyPage() {
  const { key = '' } = useParams();
  const location = useLocation();
  const published = (location.state as { published?: string } | null)?.published ?? null;
  const { can } = useSession();
  const [message, setMessage] = useState<string | null>(published);
  const detail = useLoad(() => api.get<JourneyDetail>(`/journeys/${encodeURIComponent(key)}`), [key]);
  const stats = useLoad(() => api.get<JourneyStats>(`/journeys/${encodeURIComponent(key)}/stats`), [key]);

  if (detail.error) {
    return (
      <>
        <PageHeader title="Journey" />
        <ErrorNote error={detail.error} retry={detail.error.status === 404 ? undefined : detail.reload} />
        <p>
          <Link to="/journeys">Back to the journeys</Link>
        </p>
      </>
    );
  }
  const journey = detail.data;
  if (!journey) return <Loading what="the journey" />;
  const definition = journey.definition;
  const enteredByStep = new Map((stats.data?.steps ?? []).map((step) => [step.stepId, step.entered]));
  const mayEdit = can('journeys.publish') && journey.status !== 'archived';

  return (
    <>
      <PageHeader
        title={journey.name}
        subtitle={
          <>
            <span className="code">{journey.key}</span> · <JourneyStatusPill status={journey.status} /> · version{' '}
            {journey.currentVersion ?? '—'}
            {definition?.description ? <span className="journey-description">{definition.description}</span> : null}
          </>
        }
        actions={
          <>
            <Link className="button" to={`/journeys/${encodeURIComponent(journey.key)}/edit`}>
              {mayEdit ? 'Edit and simulate' : 'Simulate'}
            </Link>
            {can('journeys.control') ? (
              <ControlButtons
                journey={journey}
                onChanged={(text) => {
                  setMessage(text);
                  detail.reload();
                }}
              />
            ) : null}
          </>
        }
      />
      <div role="status" className={message ? 'notice journey-notice' : undefined}>
        {message}
      </div>
      <div className="grid journey-counts">
        {(
          [
            ['Running', journey.enrollments.running],
            ['Completed', journey.enrollments.completed],
            ['Goal reached', journey.enrollments.goal_reached],
            ['Exited', journey.enrollments.exited],
            ['Failed', journey.enrollments.failed],
          ] as const
        ).map(([label, count]) => (
          <div className="card journey-count-card" key={label}>
            <div className="journey-count-value">{formatNumber(count)}</div>
            <div className="journey-count-label">{label}</div>
          </div>
        ))}
      </div>

      <Card title="Flow">
        {definition ? (
          <JourneyFlow definition={definition} name={journey.name} enteredByStep={stats.data ? enteredByStep : undefined} />
        ) : (
          <p className="muted">This journey has no published version yet.</p>
        )}
      </Card>

      <div className="grid two">
        <Card title="Funnel per step">
          <ErrorNote error={stats.error} retry={stats.reload} />
          {stats.data ? <StepFunnel stats={stats.data} /> : stats.loading ? <Loading what="the funnel" /> : null}
        </Card>
        <Card title="Goal conversion: treatment against holdout">
          {stats.data ? <GoalConversion stats={stats.data} holdout={definition?.holdout ?? 0} /> : stats.loading ? <Loading /> : null}
        </Card>
      </div>

      {stats.data && (stats.data.splits ?? []).some((split) => !split.inOtherVersion) ? (
        <Card title="A/B splits: each variant against the first">
          <SplitResults stats={stats.data} />
        </Card>
      ) : null}

      {stats.data && stats.data.enrollments.total > 0 ? (
        <Card title="Each step in numbers">
          <StepTable stats={stats.data} />
        </Card>
      ) : null}

      <Card title="Versions">
        <JourneyVersions journeyKey={journey.key} versions={journey.versions} current={journey.currentVersion} />
      </Card>
    </>
  );
}
