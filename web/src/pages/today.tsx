// Today, a success manager's home: the open alerts (theirs first, then nobody's), and the accounts most
// at risk by value, filtered by band, owner and a search kept in the address so that reload and back keep
// them, each row with its 30-day score trend and its top reason in words.
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
import { useAddressFilters } from '../address-filters.ts';
import type { ApiError } from '../api.ts';
import { api } from '../api.ts';
import { AlertList } from '../components/sm-alerts.tsx';
import { formatScore } from '../components/sm-format.ts';
import { Sparkline } from '../components/sm-sparkline.tsx';
import type { AlertPage, CustomerPage, CustomerRow, RiskBand } from '../components/sm-types.ts';
import { formatNumber, formatRelative } from '../format.ts';
import { useUser } from '../session.tsx';
import { asApiError, Band, Card, EmptyState, ErrorNote, Loading, PageHeader, useLoad } from '../ui.tsx';
import './today.css';

const PAGE_SIZE = 50;
const ALERTS_PAGE = 50;
/** Alerts shown per section before "Show more": the list below matters as much. */
const ALERTS_FIRST = 5;
const bands: RiskBand[] = ['high', 'medium', 'low'];
const owners = ['anyone', 'me', 'unassigned'] as const;
type OwnerChoice = (typeof owners)[number];

/** The list's filters as the address keeps them: ?band=high&owner=me&q=ada */
function filtersOf(params: URLSearchParams): { band: RiskBand | null; owner: OwnerChoice; q: string } {
  const band = params.get('band');
  const owner = params.get('owner');
  return {
    band: bands.includes(band as RiskBand) ? (band as RiskBand) : null,
    owner: owners.includes(owner as OwnerChoice) ? (owner as OwnerChoice) : 'anyone',
    q: (params.get('q') ?? '').trim(),
  };
}

export function TodayPage() {
  const [done, setDone] = useState<string | null>(null);
  return (
    <>
      <PageHeader title="Today" subtitle="Whom to call first: the open alerts, then the accounts with the most value at risk." />
      <div role="status" className={done ? 'notice' : undefined}>
        {done}
      </div>
      <OpenAlerts onDone={setDone} />
      <AtRiskList />
    </>
  );
}

function OpenAlerts({ onDone }: { onDone: (done: string) => void }) {
  const user = useUser();
  const [version, setVersion] = useState(0);
  const [empty, setEmpty] = useState({ me: false, unassigned: false });
  const changed = useCallback(
    (what: string) => {
      onDone(what);
      setVersion((v) => v + 1);
    },
    [onDone],
  );
  const emptyChanged = useCallback((owner: 'me' | 'unassigned', isEmpty: boolean) => {
    setEmpty((before) => (before[owner] === isEmpty ? before : { ...before, [owner]: isEmpty }));
  }, []);
  return (
    <Card title="Open alerts">
      {empty.me && empty.unassigned ? (
        <EmptyState title="No open alerts.">
          <p>Nothing needs an answer right now. Work down the at-risk list below, starting with the high band.</p>
        </EmptyState>
      ) : null}
      <AlertSection
        owner="me"
        title="Yours"
        none="None of your accounts has an open alert."
        userId={user.id}
        version={version}
        onChanged={changed}
        onEmpty={emptyChanged}
        quietWhenEmpty={empty.me && empty.unassigned}
      />
      <AlertSection
        owner="unassigned"
        title="Nobody’s yet"
        none="Every open alert has an owner."
        hint="Alerts on accounts without an owner reach every success manager: acknowledge one to take it on."
        userId={user.id}
        version={version}
        onChanged={changed}
        onEmpty={emptyChanged}
        quietWhenEmpty={empty.me && empty.unassigned}
      />
    </Card>
  );
}

/** One owner's open alerts, newest first: the first few, then all of the page, then the next pages. */
function AlertSection({
  owner,
  title,
  none,
  hint,
  userId,
  version,
  onChanged,
  onEmpty,
  quietWhenEmpty,
}: {
  owner: 'me' | 'unassigned';
  title: string;
  none: string;
  hint?: string;
  userId: string;
  version: number;
  onChanged: (done: string) => void;
  onEmpty: (owner: 'me' | 'unassigned', isEmpty: boolean) => void;
  /** Nothing at all is open: the card says so once, not per section. */
  quietWhenEmpty: boolean;
}) {
  const headingId = useId();
  const [expanded, setExpanded] = useState(false);
  const [more, setMore] = useState<AlertPage['alerts']>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  const first = useLoad(() => api.get<AlertPage>('/alerts', { status: 'open', owner, limit: ALERTS_PAGE }), [owner, userId, version]);
  useEffect(() => {
    if (!first.data) return;
    setMore([]);
    setCursor(first.data.nextCursor);
    onEmpty(owner, first.data.alerts.length === 0);
  }, [first.data, owner, onEmpty]);

  async function loadMore() {
    if (!cursor) return;
    setMoreError(null);
    try {
      const page = await api.get<AlertPage>('/alerts', { status: 'open', owner, limit: ALERTS_PAGE, cursor });
      setMore((before) => [...before, ...page.alerts]);
      setCursor(page.nextCursor);
    } catch (caught) {
      setMoreError(asApiError(caught));
    }
  }

  const all = [...(first.data?.alerts ?? []), ...more];
  const shown = expanded ? all : all.slice(0, ALERTS_FIRST);
  const hidden = all.length - shown.length;
  if (quietWhenEmpty && first.data && all.length === 0 && !first.error) return null;
  return (
    <section aria-labelledby={headingId} className="today-alert-section">
      <h3 id={headingId}>
        {title}{' '}
        {first.data ? (
          <span className="muted">
            ({all.length}
            {cursor ? '+' : ''})
          </span>
        ) : null}
      </h3>
      <ErrorNote error={first.error} retry={first.reload} />
      {!first.data && first.loading ? <Loading what="alerts" /> : null}
      {first.data && all.length === 0 ? <p className="muted">{none}</p> : null}
      {all.length > 0 ? (
        <>
          {hint ? <p className="muted small-text">{hint}</p> : null}
          <AlertList alerts={shown} showCustomer onChanged={onChanged} />
          {hidden > 0 ? (
            <button type="button" className="button secondary small" onClick={() => setExpanded(true)}>
              Show {hidden} more
            </button>
          ) : expanded && cursor ? (
            <button type="button" className="button secondary small" onClick={loadMore}>
              Load more
            </button>
          ) : null}
          <ErrorNote error={moreError} retry={loadMore} />
        </>
      ) : null}
    </section>
  );
}

function AtRiskList() {
  const [params, changeAddress] = useAddressFilters();
  const filters = filtersOf(params);
  const [search, setSearch] = useState(filters.q);
  const ids = { band: useId(), owner: useId(), q: useId() };
  const [rows, setRows] = useState<CustomerRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  const [now, setNow] = useState(() => Date.now());

  const query = useCallback(
    (after: string | null) =>
      api.get<CustomerPage>('/customers', {
        band: filters.band,
        owner: filters.owner === 'anyone' ? null : filters.owner,
        q: filters.q || null,
        limit: PAGE_SIZE,
        cursor: after,
      }),
    [filters.band, filters.owner, filters.q],
  );
  const first = useLoad(() => query(null), [query]);
  useEffect(() => {
    if (!first.data) return;
    setRows(first.data.customers);
    setCursor(first.data.nextCursor);
    setMoreError(null);
    setNow(Date.now());
  }, [first.data]);
  // Back and forward change the address: the search box follows it.
  useEffect(() => setSearch(filters.q), [filters.q]);

  function change(name: 'band' | 'owner' | 'q', value: string | null) {
    changeAddress({ [name]: value });
  }

  async function loadMore() {
    if (!cursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await query(cursor);
      setRows((before) => [...before, ...page.customers]);
      setCursor(page.nextCursor);
    } catch (caught) {
      setMoreError(asApiError(caught));
    } finally {
      setLoadingMore(false);
    }
  }

  const filtered = filters.band !== null || filters.owner !== 'anyone' || filters.q !== '';
  return (
    <Card title="At risk, by value at risk">
      <form
        className="filters"
        aria-label="Filter the at-risk list"
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          change('q', search.trim() || null);
        }}
      >
        <div>
          <label htmlFor={ids.band}>Risk band</label>
          <select id={ids.band} value={filters.band ?? ''} onChange={(event) => change('band', event.target.value || null)}>
            <option value="">Any band</option>
            <option value="high">High</option>
            <option value="medium">Medium</option>
            <option value="low">Low</option>
          </select>
        </div>
        <div>
          <label htmlFor={ids.owner}>Owner</label>
          <select
            id={ids.owner}
            value={filters.owner}
            onChange={(event) => change('owner', event.target.value === 'anyone' ? null : event.target.value)}
          >
            <option value="anyone">Anyone</option>
            <option value="me">Me</option>
            <option value="unassigned">Nobody (unassigned)</option>
          </select>
        </div>
        <div>
          <label htmlFor={ids.q}>Name or email</label>
          <input id={ids.q} type="search" value={search} onChange={(event) => setSearch(event.target.value)} placeholder="e.g. Lovelace" />
        </div>
        <button type="submit" className="button secondary">
          Search
        </button>
        {filtered ? (
          <button
            type="button"
            className="button secondary"
            onClick={() => {
              setSearch('');
              changeAddress(Object.fromEntries([...params.keys()].map((name) => [name, null])));
            }}
          >
            Clear filters
          </button>
        ) : null}
      </form>
      <ErrorNote error={first.error} retry={first.reload} />
      {first.loading && !first.data ? <Loading what="the at-risk list" /> : null}
      {first.data && rows.length === 0 ? (
        filtered ? (
          <EmptyState title="No account matches these filters.">
            <p>Try another band or owner, check the spelling of the search, or clear the filters.</p>
          </EmptyState>
        ) : (
          <EmptyState title="No customers yet.">
            <p>
              Accounts appear here once orders arrive (POST /v1/events or <code className="code">npx aftercare import</code>) and the
              nightly scoring has run; <code className="code">npx aftercare churn recompute</code> scores everyone now.
            </p>
          </EmptyState>
        )
      ) : null}
      {rows.length > 0 ? (
        <>
          <div className="table-scroll">
            <table className="today-table" aria-busy={first.loading}>
              <caption className="visually-hidden">
                Accounts ranked by value at risk (risk score × predicted value){filtered ? ', filtered' : ''}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Customer</th>
                  <th scope="col">Band</th>
                  <th scope="col" className="number">
                    Score
                  </th>
                  <th scope="col">Last 30 days</th>
                  <th scope="col" className="number">
                    Value at risk
                  </th>
                  <th scope="col">Top reason</th>
                  <th scope="col">Owner</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.id}>
                    <td>
                      <Link to={`/customers/${encodeURIComponent(row.id)}`} className="today-name">
                        {row.name ?? row.email ?? row.id}
                      </Link>
                      {row.name && row.email ? <div className="muted small-text">{row.email}</div> : null}
                      {row.openAlerts > 0 ? (
                        <div className="small-text today-alert-count">
                          {row.openAlerts} open alert{row.openAlerts === 1 ? '' : 's'}
                        </div>
                      ) : null}
                    </td>
                    <td>
                      <Band band={row.band} />
                    </td>
                    <td className="number">{formatScore(row.score)}</td>
                    <td>
                      <Sparkline trend={row.trend} scoreBefore={row.score30DaysAgo} scoreNow={row.score} now={now} />
                    </td>
                    <td className="number">
                      {formatNumber(row.riskValue, 0)}
                      <div className="muted small-text">spent {formatNumber(row.value, 0)} in 12 months</div>
                    </td>
                    <td className="today-reason">
                      {row.topReason ?? <span className="muted">{row.band ? 'No single reason stands out' : 'Not scored yet'}</span>}
                      {row.lastOrderAt ? <div className="muted small-text">Last order {formatRelative(row.lastOrderAt)}</div> : null}
                    </td>
                    <td>{row.owner ? row.owner.name : <span className="muted">Nobody</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="today-more">
            <p className="muted" aria-live="polite">
              Showing {rows.length} account{rows.length === 1 ? '' : 's'}
              {cursor ? '' : ' (all of them)'}.
            </p>
            {cursor ? (
              <button type="button" className="button secondary" onClick={loadMore} disabled={loadingMore}>
                {loadingMore ? 'Loading…' : `Load ${PAGE_SIZE} more`}
              </button>
            ) : null}
          </div>
          <ErrorNote error={moreError} retry={loadMore} />
        </>
      ) : null}
    </Card>
  );
}
