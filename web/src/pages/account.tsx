// One account, as a success manager opens it before a call: the score with its band and reasons, what
// makes it up, how it moved, the next order the model expects, the value, the owner, the journeys, the
// open alerts, and the timeline. The actions a role may take are here (others are absent); after each,
// the page loads again and says what was done.
import { type FormEvent, useCallback, useId, useState } from 'react';
import { Link, useParams } from 'react-router';
import { contactChannels } from '../../../core/events/event-schemas.ts';
import { ApiError, api } from '../api.ts';
import { AlertList } from '../components/sm-alerts.tsx';
import { formatScore } from '../components/sm-format.ts';
import { ContributionsChart, ScoreHistoryChart } from '../components/sm-score-charts.tsx';
import { Timeline } from '../components/sm-timeline.tsx';
import type { Account, StaffMember } from '../components/sm-types.ts';
import { formatDate, formatDateTime, formatNumber, formatPercent, formatRelative } from '../format.ts';
import { useSession, useUser } from '../session.tsx';
import { Band, Card, EmptyState, ErrorNote, Loading, PageHeader, useAction, useLoad } from '../ui.tsx';
import './account.css';
import './today.css';

const channelNames: Record<(typeof contactChannels)[number], string> = {
  call: 'Phone call',
  email: 'Email',
  meeting: 'Meeting',
  chat: 'Chat',
  other: 'Other',
};

export function AccountPage() {
  const { id = '' } = useParams();
  const [version, setVersion] = useState(0);
  const [done, setDone] = useState<string | null>(null);
  const account = useLoad(() => api.get<Account>(`/customers/${encodeURIComponent(id)}`), [id, version]);
  const changed = useCallback((what: string) => {
    setDone(what);
    setVersion((v) => v + 1);
  }, []);

  const a = account.data;
  if (!a) {
    if (account.error?.status === 404) {
      return (
        <>
          <PageHeader title="No such account" />
          <EmptyState title={`No customer has the id “${id}”.`}>
            <p>
              Find the account on <Link to="/today">Today</Link> by name or email.
            </p>
          </EmptyState>
        </>
      );
    }
    return (
      <>
        <PageHeader title="Account" />
        <ErrorNote error={account.error} retry={account.reload} />
        {account.loading ? <Loading what="the account" /> : null}
      </>
    );
  }
  const title = a.name ?? a.email ?? a.id;
  return (
    <>
      <p className="sm-back">
        <Link to="/today">← Today</Link>
      </p>
      <PageHeader
        title={title}
        subtitle={
          <>
            {a.email && a.name ? `${a.email} · ` : ''}
            customer id {a.id}
            {a.timezone ? ` · lives in ${a.timezone}` : ''}
            {a.locale ? ` · speaks ${a.locale}` : ''}
          </>
        }
      />
      <div role="status" className={done ? 'notice sm-done' : undefined}>
        {done}
      </div>
      <ErrorNote error={account.error} retry={account.reload} />
      <div className="grid two">
        <Card title="Churn risk">
          <RiskSummary account={a} />
        </Card>
        <Card title="Score history">
          <ScoreHistoryChart history={a.scoreHistory} />
        </Card>
      </div>
      <div className="grid three">
        <Card title="Orders and value">
          <OrdersAndValue account={a} />
        </Card>
        <Card title="Owner">
          <Owner account={a} onChanged={changed} />
        </Card>
        <Card title="Journeys">
          <Journeys account={a} onChanged={changed} />
        </Card>
      </div>
      <Card title="Open alerts">
        {a.openAlerts.length === 0 ? (
          <p className="muted">No open alert on this account.</p>
        ) : (
          <AlertList alerts={a.openAlerts} showCustomer={false} onChanged={changed} />
        )}
      </Card>
      <AccountActions account={a} onChanged={changed} />
      <Card title="Timeline">
        <Timeline customerId={a.id} version={version} />
      </Card>
    </>
  );
}

function RiskSummary({ account }: { account: Account }) {
  const s = account.score;
  if (!s) {
    return (
      <EmptyState title="Not scored yet.">
        <p>The nightly scoring run scores every customer with orders; an order placed now rescores them at once.</p>
      </EmptyState>
    );
  }
  return (
    <>
      <div className="sm-score">
        <span className="sm-score-number">{formatScore(s.score)}</span>
        <Band band={s.band} />
        <span className="muted small-text">
          out of 100 · scored {formatRelative(s.computedAt)}
          {s.source === 'external' ? ` · reported by ${s.externalSource ?? 'your own model'}` : ''}
        </span>
      </div>
      {s.source !== 'external' && s.externalScore !== null ? (
        <p className="muted small-text">
          {s.externalSource ?? 'Your own model'} reports {formatScore(s.externalScore)}; the model’s score is in force.
        </p>
      ) : null}
      <h3>Why</h3>
      {s.reasons.length > 0 ? (
        <ul className="sm-reasons">
          {s.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      ) : (
        <p className="muted">No single reason stands out: the score is close to an average customer’s.</p>
      )}
      <h3>What makes up the score</h3>
      <ContributionsChart contributions={s.contributions} />
    </>
  );
}

function OrdersAndValue({ account }: { account: Account }) {
  const s = account.score;
  return (
    <dl className="sm-facts">
      <div>
        <dt>Next order expected</dt>
        <dd>
          {s?.expectedNextOrderAt ? (
            <>
              {formatDate(s.expectedNextOrderAt)} <span className="muted">({formatRelative(s.expectedNextOrderAt)})</span>
            </>
          ) : (
            <span className="muted">No prediction{account.orderCount === 0 ? ': no order yet' : ''}</span>
          )}
        </dd>
      </div>
      {s?.expectedOrders90 !== null && s?.expectedOrders90 !== undefined ? (
        <div>
          <dt>Orders expected in 90 days</dt>
          <dd>{formatNumber(s.expectedOrders90, 1)}</dd>
        </div>
      ) : null}
      {s?.pAlive !== null && s?.pAlive !== undefined ? (
        <div>
          <dt>Still an active customer</dt>
          <dd>{formatPercent(s.pAlive, 0)} likely</dd>
        </div>
      ) : null}
      <div>
        <dt>Last order</dt>
        <dd>{account.lastOrderAt ? `${formatDateTime(account.lastOrderAt)} (${formatRelative(account.lastOrderAt)})` : 'Never'}</dd>
      </div>
      <div>
        <dt>Orders</dt>
        <dd>
          {formatNumber(account.orderCount)}
          {account.firstOrderAt ? <span className="muted"> since {formatDate(account.firstOrderAt)}</span> : null}
        </dd>
      </div>
      <div>
        <dt>Spent in the last 12 months</dt>
        <dd>{formatNumber(account.value, 2)}</dd>
      </div>
      <div>
        <dt>Spent in all</dt>
        <dd>{formatNumber(account.totalSpent, 2)}</dd>
      </div>
    </dl>
  );
}

function Owner({ account, onChanged }: { account: Account; onChanged: (done: string) => void }) {
  const { can } = useSession();
  const user = useUser();
  const pickId = useId();
  const [pick, setPick] = useState('');
  const mayAssign = can('customers.assign');
  const staff = useLoad(
    () => (mayAssign ? api.get<{ staff: StaffMember[] }>('/staff') : Promise.resolve({ staff: [] as StaffMember[] })),
    [mayAssign],
  );
  const assign = useAction(async (ownerId: string | null, name: string) => {
    await api.put(`/customers/${encodeURIComponent(account.id)}/owner`, { ownerId });
    onChanged(
      ownerId === null
        ? 'The account has no owner now.'
        : ownerId === user.id
          ? 'You own this account now.'
          : `${name} owns this account now.`,
    );
  });
  const assignable = (staff.data?.staff ?? []).filter((member) => member.assignable && member.id !== account.owner?.id);
  const meAssignable = user.role !== 'marketer';
  return (
    <>
      <p>
        {account.owner ? (
          <>
            <strong>{account.owner.name}</strong>
            {account.owner.id === user.id ? ' (you)' : ''}
          </>
        ) : (
          <span className="muted">Nobody owns this account: its alerts go to every success manager.</span>
        )}
      </p>
      {mayAssign ? (
        <div className="sm-owner-actions">
          {meAssignable && account.owner?.id !== user.id ? (
            <button type="button" className="button" disabled={assign.busy} onClick={() => assign.perform(user.id, 'You')}>
              Assign to me
            </button>
          ) : null}
          <form
            className="sm-inline-form"
            onSubmit={(event: FormEvent) => {
              event.preventDefault();
              const member = assignable.find((m) => m.id === pick);
              if (member) assign.perform(member.id, member.name);
            }}
          >
            <label htmlFor={pickId}>Assign to</label>
            <select id={pickId} value={pick} onChange={(event) => setPick(event.target.value)} disabled={!staff.data}>
              <option value="">Choose a person…</option>
              {assignable.map((member) => (
                <option key={member.id} value={member.id}>
                  {member.name} ({member.role === 'admin' ? 'admin' : 'success manager'})
                </option>
              ))}
            </select>
            <button type="submit" className="button secondary" disabled={assign.busy || pick === ''}>
              Assign
            </button>
          </form>
          {account.owner ? (
            <button type="button" className="button secondary small" disabled={assign.busy} onClick={() => assign.perform(null, '')}>
              Remove the owner
            </button>
          ) : null}
          <ErrorNote error={assign.error ?? staff.error} />
        </div>
      ) : null}
    </>
  );
}

function Journeys({ account, onChanged }: { account: Account; onChanged: (done: string) => void }) {
  const { can } = useSession();
  const paused = account.journeysPausedAt !== null;
  const control = useAction(async (action: 'pause' | 'resume') => {
    const result = await api.post<{ signalled: number }>(`/customers/${encodeURIComponent(account.id)}/journeys/${action}`);
    const running = `${result.signalled} running journey${result.signalled === 1 ? '' : 's'}`;
    onChanged(
      action === 'pause'
        ? `Journeys paused: ${running} hold before their next email, and new ones wait.`
        : `Journeys resumed: ${running} go on, held emails go out.`,
    );
  });
  return (
    <>
      {paused ? (
        <p className="sm-paused">
          <strong>Paused</strong> since {formatDateTime(account.journeysPausedAt)}: no journey email goes to this customer.
        </p>
      ) : null}
      {account.journeys.length === 0 ? (
        <p className="muted">No journey is running for this customer.</p>
      ) : (
        <ul className="sm-journeys">
          {account.journeys.map((journey) => (
            <li key={`${journey.key}:${journey.enteredAt}`}>
              <Link to={`/journeys/${encodeURIComponent(journey.key)}`}>{journey.name}</Link>
              <span className="muted small-text">
                {' '}
                · since {formatDate(journey.enteredAt)}
                {journey.step ? ` · at ${journey.step}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
      {can('customers.act') ? (
        <button
          type="button"
          className={paused ? 'button' : 'button secondary'}
          disabled={control.busy}
          onClick={() => control.perform(paused ? 'resume' : 'pause')}
        >
          {paused ? 'Resume journeys' : 'Pause journeys'}
        </button>
      ) : null}
      <ErrorNote error={control.error} />
    </>
  );
}

function AccountActions({ account, onChanged }: { account: Account; onChanged: (done: string) => void }) {
  const { can } = useSession();
  if (!can('customers.act')) return null;
  return (
    <div className="grid two">
      <Card title="Add a note">
        <NoteForm account={account} onChanged={onChanged} />
      </Card>
      <Card title="Mark contacted">
        <ContactedForm account={account} onChanged={onChanged} />
      </Card>
    </div>
  );
}

function fieldError(error: ApiError | null, field: string): string | null {
  return error instanceof ApiError && error.field === field ? error.message : null;
}

function NoteForm({ account, onChanged }: { account: Account; onChanged: (done: string) => void }) {
  const noteId = useId();
  const [body, setBody] = useState('');
  const add = useAction(async () => {
    await api.post(`/customers/${encodeURIComponent(account.id)}/notes`, { body });
    setBody('');
    onChanged('Note added: it is on the timeline.');
  });
  return (
    <form
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        add.perform();
      }}
    >
      <label htmlFor={noteId}>Note</label>
      <textarea
        id={noteId}
        rows={3}
        value={body}
        maxLength={10_000}
        onChange={(event) => setBody(event.target.value)}
        aria-invalid={fieldError(add.error, 'body') ? true : undefined}
        placeholder="What was said, what comes next"
      />
      <ErrorNote error={add.error} />
      <button type="submit" className="button" disabled={add.busy || body.trim() === ''}>
        {add.busy ? 'Adding…' : 'Add note'}
      </button>
    </form>
  );
}

function ContactedForm({ account, onChanged }: { account: Account; onChanged: (done: string) => void }) {
  const ids = { channel: useId(), note: useId() };
  const [channel, setChannel] = useState<(typeof contactChannels)[number]>('call');
  const [note, setNote] = useState('');
  const mark = useAction(async () => {
    await api.post(`/customers/${encodeURIComponent(account.id)}/contacted`, { channel, ...(note.trim() ? { note: note.trim() } : {}) });
    setNote('');
    onChanged(`Marked contacted (${channelNames[channel].toLowerCase()}): a waiting at-risk save takes its “contacted” branch.`);
  });
  return (
    <form
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        mark.perform();
      }}
    >
      <label htmlFor={ids.channel}>How you reached them</label>
      <select id={ids.channel} value={channel} onChange={(event) => setChannel(event.target.value as (typeof contactChannels)[number])}>
        {contactChannels.map((c) => (
          <option key={c} value={c}>
            {channelNames[c]}
          </option>
        ))}
      </select>
      <label htmlFor={ids.note}>
        Note <span className="muted">(optional)</span>
      </label>
      <textarea id={ids.note} rows={2} value={note} maxLength={2000} onChange={(event) => setNote(event.target.value)} />
      <ErrorNote error={mark.error} />
      <button type="submit" className="button" disabled={mark.busy}>
        {mark.busy ? 'Saving…' : 'Mark contacted'}
      </button>
    </form>
  );
}
