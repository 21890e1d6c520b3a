// Journeys, a marketer's home: every journey with its status, current version and how many
// enrollments run, completed and reached the goal, each opening its page.
import { Link } from 'react-router';
import { api } from '../api.ts';
import { formatNumber, formatRelative } from '../format.ts';
import { EmptyState, ErrorNote, Loading, PageHeader, useLoad } from '../ui.tsx';
import './journeys.css';

export type JourneyStatus = 'active' | 'paused' | 'archived';
export type EnrollmentCounts = { total: number; running: number; completed: number; exited: number; goal_reached: number; failed: number };
export type JourneySummary = {
  key: string;
  name: string;
  status: JourneyStatus;
  currentVersion: number | null;
  enrollments: EnrollmentCounts;
  createdAt: string;
  updatedAt: string;
};

export function JourneyStatusPill({ status }: { status: JourneyStatus }) {
  return <span className={`pill journey-status journey-status-${status}`}>{status}</span>;
}

export function JourneysPage() {
  const loaded = useLoad(() => api.get<{ journeys: JourneySummary[] }>('/journeys'), []);
  const journeys = loaded.data?.journeys ?? [];
  // Live journeys first, archived ones last; by name within each.
  const shown = [...journeys].sort(
    (a, b) => Number(a.status === 'archived') - Number(b.status === 'archived') || a.name.localeCompare(b.name),
  );
  return (
    <>
      <PageHeader title="Journeys" subtitle="What each journey does for your customers, and whether it works." />
      <ErrorNote error={loaded.error} retry={loaded.reload} />
      {loaded.loading && !loaded.data ? <Loading what="journeys" /> : null}
      {loaded.data && journeys.length === 0 ? (
        <EmptyState title="No journeys yet.">
          <p>
            Publish one with <span className="code">npx aftercare journeys publish FILE</span> or{' '}
            <span className="code">POST /v1/journeys</span>; the shipped journeys in <span className="code">journeys/</span> are good
            starting points.
          </p>
        </EmptyState>
      ) : null}
      {journeys.length > 0 ? (
        <table className="journeys-table">
          <caption className="visually-hidden">Journeys with their status, version and enrollments</caption>
          <thead>
            <tr>
              <th scope="col">Journey</th>
              <th scope="col">Status</th>
              <th scope="col" className="number">
                Version
              </th>
              <th scope="col" className="number">
                Running
              </th>
              <th scope="col" className="number">
                Completed
              </th>
              <th scope="col" className="number">
                Goal reached
              </th>
              <th scope="col" className="number">
                Exited
              </th>
              <th scope="col">Changed</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((journey) => (
              <tr key={journey.key} className={journey.status === 'archived' ? 'archived' : undefined}>
                <th scope="row">
                  <Link to={`/journeys/${encodeURIComponent(journey.key)}`}>{journey.name}</Link>
                  <div className="muted code">{journey.key}</div>
                </th>
                <td>
                  <JourneyStatusPill status={journey.status} />
                </td>
                <td className="number">{journey.currentVersion ?? '—'}</td>
                <td className="number">{formatNumber(journey.enrollments.running)}</td>
                <td className="number">{formatNumber(journey.enrollments.completed)}</td>
                <td className="number">{formatNumber(journey.enrollments.goal_reached)}</td>
                <td className="number">{formatNumber(journey.enrollments.exited)}</td>
                <td>{formatRelative(journey.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
