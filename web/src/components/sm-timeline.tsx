// An account's timeline, newest first: filter by kind (kept in the address as ?kinds=order,message),
// "Load more" by the API's cursor, and each email opens as the customer saw it.
import { useEffect, useState } from 'react';
import { useAddressFilters } from '../address-filters.ts';
import { type ApiError, api } from '../api.ts';
import { formatDateTime } from '../format.ts';
import { asApiError, EmptyState, ErrorNote, Loading, useLoad } from '../ui.tsx';
import { MessageDialog } from './sm-message-dialog.tsx';
import { type TimelineItem, type TimelineKind, type TimelinePage, timelineKinds } from './sm-types.ts';

const PAGE_SIZE = 30;

const kindNames: Record<TimelineKind, string> = {
  order: 'Orders',
  refund: 'Refunds',
  message: 'Emails',
  survey: 'Survey answers',
  enrollment: 'Journeys',
  journey_step: 'Journey steps',
  score: 'Scores',
  alert: 'Alerts',
  note: 'Notes',
  staff_action: 'Staff actions',
};
const kindLabel: Record<TimelineKind, string> = {
  order: 'Order',
  refund: 'Refund',
  message: 'Email',
  survey: 'Survey',
  enrollment: 'Journey',
  journey_step: 'Step',
  score: 'Score',
  alert: 'Alert',
  note: 'Note',
  staff_action: 'Staff',
};

function kindsOf(params: URLSearchParams): TimelineKind[] {
  const text = params.get('kinds');
  if (!text) return [];
  return text.split(',').filter((kind): kind is TimelineKind => (timelineKinds as readonly string[]).includes(kind));
}

/** `version` changes after each action on the account, so that its effect shows at once. */
export function Timeline({ customerId, version }: { customerId: string; version: number }) {
  const [params, changeAddress] = useAddressFilters();
  // Kept here as well as in the address: a ticked box shows at once, before the navigation settles.
  const [kinds, setKinds] = useState<TimelineKind[]>(() => kindsOf(params));
  const addressKinds = kindsOf(params).join(',');
  useEffect(() => setKinds(addressKinds ? (addressKinds.split(',') as TimelineKind[]) : []), [addressKinds]);
  const kindsKey = kinds.join(',');
  const [items, setItems] = useState<TimelineItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [openMessage, setOpenMessage] = useState<string | null>(null);

  const load = (after: string | null) =>
    api.get<TimelinePage>(`/customers/${encodeURIComponent(customerId)}/timeline`, {
      kinds: kindsKey || null,
      limit: PAGE_SIZE,
      cursor: after,
    });
  const first = useLoad(() => load(null), [customerId, kindsKey, version]);
  useEffect(() => {
    if (!first.data) return;
    setItems(first.data.items);
    setCursor(first.data.nextCursor);
    setMoreError(null);
  }, [first.data]);

  function toggle(kind: TimelineKind) {
    const chosen = kinds.includes(kind) ? kinds.filter((k) => k !== kind) : [...kinds, kind];
    const next = chosen.length === timelineKinds.length ? [] : timelineKinds.filter((k) => chosen.includes(k));
    setKinds(next);
    changeAddress({ kinds: next.length === 0 ? null : next.join(',') }, { replace: true, preventScrollReset: true });
  }

  async function loadMore() {
    if (!cursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await load(cursor);
      setItems((before) => [...before, ...page.items]);
      setCursor(page.nextCursor);
    } catch (caught) {
      setMoreError(asApiError(caught));
    } finally {
      setLoadingMore(false);
    }
  }

  return (
    <>
      <fieldset className="sm-kinds">
        <legend>Show only</legend>
        {timelineKinds.map((kind) => (
          <label key={kind} className="sm-kind">
            <input type="checkbox" checked={kinds.includes(kind)} onChange={() => toggle(kind)} /> {kindNames[kind]}
          </label>
        ))}
        {kinds.length > 0 ? (
          <button
            type="button"
            className="button secondary small"
            onClick={() => {
              setKinds([]);
              changeAddress({ kinds: null }, { replace: true, preventScrollReset: true });
            }}
          >
            Show everything
          </button>
        ) : null}
      </fieldset>
      <ErrorNote error={first.error} retry={first.reload} />
      {first.loading && !first.data ? <Loading what="the timeline" /> : null}
      {first.data && items.length === 0 ? (
        <EmptyState title={kinds.length > 0 ? 'Nothing of these kinds yet.' : 'Nothing has happened to this account yet.'}>
          {kinds.length > 0 ? (
            <p>Tick other kinds above, or show everything.</p>
          ) : (
            <p>Orders, emails and notes appear here as they happen.</p>
          )}
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <ol className="sm-timeline" aria-busy={first.loading}>
          {items.map((item) => (
            <li key={`${item.kind}:${item.id}`} className={`sm-timeline-item sm-kind-${item.kind}`}>
              <time dateTime={item.at}>{formatDateTime(item.at)}</time>
              <span className="pill">{kindLabel[item.kind] ?? item.kind}</span>
              <span className="sm-timeline-summary">{item.summary}</span>
              {item.kind === 'message' ? (
                <button type="button" className="button secondary small" onClick={() => setOpenMessage(item.id)}>
                  Open email<span className="visually-hidden"> {String(item.subject ?? '')}</span>
                </button>
              ) : null}
            </li>
          ))}
        </ol>
      ) : null}
      {cursor ? (
        <button type="button" className="button secondary" onClick={loadMore} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : 'Load more'}
        </button>
      ) : items.length > 0 ? (
        <p className="muted small-text">That is everything{kinds.length > 0 ? ' of these kinds' : ''}.</p>
      ) : null}
      <ErrorNote error={moreError} retry={loadMore} />
      {openMessage ? <MessageDialog messageId={openMessage} onClose={() => setOpenMessage(null)} /> : null}
    </>
  );
}
