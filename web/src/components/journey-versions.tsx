// A journey's versions, who published each and when, and a line diff of any two: each version's
// definition written as YAML, the lines removed and added marked by a sign and a word, not only a colour.
import { type Change, diffLines } from 'diff';
import { useEffect, useId, useState } from 'react';
import { api } from '../api.ts';
import { formatDateTime } from '../format.ts';
import { ErrorNote, Loading, useLoad } from '../ui.tsx';
import { definitionYaml } from './journey-yaml.ts';

export type VersionSummary = { version: number; publishedAt: string; publishedBy: string | null; checksum: string };
type VersionDetail = { version: number | null; definition: Record<string, unknown> | null };

const publisherName = (publishedBy: string | null) =>
  publishedBy === 'aftercare'
    ? 'Aftercare (shipped journey)'
    : publishedBy === 'api'
      ? 'an API key'
      : publishedBy === 'cli'
        ? 'the command line'
        : (publishedBy ?? 'unknown');

type DiffLine = { kind: 'added' | 'removed' | 'same'; text: string };

/** The changes of `diffLines` as single lines, each marked added, removed or the same. */
export function toDiffLines(changes: Change[]): DiffLine[] {
  return changes.flatMap((change) => {
    const lines = change.value.replace(/\n$/, '').split('\n');
    const kind = change.added ? 'added' : change.removed ? 'removed' : 'same';
    return lines.map((text) => ({ kind, text }) as DiffLine);
  });
}

function VersionDiff({ journeyKey, from, to }: { journeyKey: string; from: number; to: number }) {
  const loaded = useLoad(
    () => Promise.all([from, to].map((version) => api.get<VersionDetail>(`/journeys/${encodeURIComponent(journeyKey)}`, { version }))),
    [journeyKey, from, to],
  );
  if (loaded.error) return <ErrorNote error={loaded.error} retry={loaded.reload} />;
  if (!loaded.data) return <Loading what="the two versions" />;
  const [before, after] = loaded.data.map((detail) => definitionYaml(detail.definition ?? {}));
  const lines = toDiffLines(diffLines(before ?? '', after ?? ''));
  const added = lines.filter((line) => line.kind === 'added').length;
  const removed = lines.filter((line) => line.kind === 'removed').length;
  return (
    <>
      <p className="journey-diff-summary">
        {added === 0 && removed === 0
          ? `Versions ${from} and ${to} are the same.`
          : `From version ${from} to version ${to}: ${added} line${added === 1 ? '' : 's'} added, ${removed} removed.`}
      </p>
      <pre className="journey-diff code">
        {lines.map((line, index) => {
          const key = `${index}-${line.kind}`;
          if (line.kind === 'added')
            return (
              <ins key={key} className="journey-diff-line journey-diff-added">
                <span className="journey-diff-sign" aria-hidden="true">
                  +
                </span>
                <span className="visually-hidden">added: </span>
                {line.text}
                {'\n'}
              </ins>
            );
          if (line.kind === 'removed')
            return (
              <del key={key} className="journey-diff-line journey-diff-removed">
                <span className="journey-diff-sign" aria-hidden="true">
                  −
                </span>
                <span className="visually-hidden">removed: </span>
                {line.text}
                {'\n'}
              </del>
            );
          return (
            <span key={key} className="journey-diff-line journey-diff-same">
              <span className="journey-diff-sign" aria-hidden="true">
                {' '}
              </span>
              {line.text}
              {'\n'}
            </span>
          );
        })}
      </pre>
    </>
  );
}

export function JourneyVersions({
  journeyKey,
  versions,
  current,
}: {
  journeyKey: string;
  versions: VersionSummary[];
  current: number | null;
}) {
  const ids = useId();
  const newest = versions.at(-1)?.version ?? null;
  const previous = versions.at(-2)?.version ?? null;
  const [from, setFrom] = useState<number | null>(previous);
  const [to, setTo] = useState<number | null>(newest);
  // A newly published version becomes the right-hand side of the comparison, the one before it the left.
  useEffect(() => {
    setTo(newest);
    setFrom(previous);
  }, [newest, previous]);

  return (
    <>
      <table>
        <caption className="visually-hidden">Versions of this journey</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Published</th>
            <th scope="col">By</th>
          </tr>
        </thead>
        <tbody>
          {[...versions].reverse().map((version) => (
            <tr key={version.version}>
              <td>
                {version.version}
                {version.version === current ? (
                  <>
                    {' '}
                    <span className="pill">current</span>
                  </>
                ) : null}
              </td>
              <td>{formatDateTime(version.publishedAt)}</td>
              <td>{publisherName(version.publishedBy)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {versions.length < 2 ? (
        <p className="muted">Only one version so far: publish a change from the editor to compare two.</p>
      ) : (
        <>
          <h3>Compare two versions</h3>
          <div className="filters">
            <div>
              <label htmlFor={`${ids}-from`}>From version</label>
              <select id={`${ids}-from`} value={from ?? ''} onChange={(event) => setFrom(Number(event.target.value))}>
                {versions.map((version) => (
                  <option key={version.version} value={version.version}>
                    {version.version}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor={`${ids}-to`}>To version</label>
              <select id={`${ids}-to`} value={to ?? ''} onChange={(event) => setTo(Number(event.target.value))}>
                {versions.map((version) => (
                  <option key={version.version} value={version.version}>
                    {version.version}
                  </option>
                ))}
              </select>
            </div>
          </div>
          {from !== null && to !== null ? <VersionDiff journeyKey={journeyKey} from={from} to={to} /> : null}
        </>
      )}
    </>
  );
}
