// Alerts as a success manager acts on them, on the Today page and the account page: what happened, to
// whom, since when, and (for a role that may) acknowledge or snooze, saying afterwards what was done.
import { useId, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api.ts';
import { formatDateTime, formatRelative } from '../format.ts';
import { useSession } from '../session.tsx';
import { ErrorNote, useAction } from '../ui.tsx';
import { snoozeChoices } from './sm-format.ts';

export type ActionableAlert = {
  id: string;
  kind: string;
  title: string;
  createdAt: string;
  customer?: { id: string; name: string | null; email: string | null } | null;
};

const kindNames: Record<string, string> = {
  detractor: 'Unhappy customer',
  at_risk: 'At risk',
  recovery_failed: 'Recovery failed',
};
export const alertKindName = (kind: string) => kindNames[kind] ?? kind.replace(/_/g, ' ');

export function AlertList({
  alerts,
  showCustomer,
  onChanged,
}: {
  alerts: ActionableAlert[];
  showCustomer: boolean;
  /** After an action: what was done, in a sentence. */
  onChanged: (done: string) => void;
}) {
  return (
    <ul className="sm-alerts">
      {alerts.map((alert) => (
        <AlertEntry key={alert.id} alert={alert} showCustomer={showCustomer} onChanged={onChanged} />
      ))}
    </ul>
  );
}

function AlertEntry({
  alert,
  showCustomer,
  onChanged,
}: {
  alert: ActionableAlert;
  showCustomer: boolean;
  onChanged: (done: string) => void;
}) {
  const { can } = useSession();
  const snoozeId = useId();
  const [choice, setChoice] = useState(0);
  const customerName = alert.customer ? (alert.customer.name ?? alert.customer.email ?? alert.customer.id) : null;
  const acknowledge = useAction(async () => {
    await api.post(`/alerts/${encodeURIComponent(alert.id)}/ack`);
    onChanged(`Acknowledged “${alert.title}”${customerName ? ` for ${customerName}` : ''}.`);
  });
  const snooze = useAction(async () => {
    const picked = snoozeChoices()[choice];
    if (!picked) return;
    await api.post(`/alerts/${encodeURIComponent(alert.id)}/snooze`, { until: picked.until.toISOString() });
    onChanged(`Snoozed “${alert.title}” until ${formatDateTime(picked.until.toISOString())}.`);
  });
  const busy = acknowledge.busy || snooze.busy;
  return (
    <li className="sm-alert">
      <div className="sm-alert-what">
        <span className={`pill sm-alert-kind sm-alert-${alert.kind}`}>{alertKindName(alert.kind)}</span>{' '}
        <span className="sm-alert-title">{alert.title}</span>
        <div className="muted small-text">
          {showCustomer && alert.customer ? (
            <>
              <Link to={`/customers/${encodeURIComponent(alert.customer.id)}`}>{customerName}</Link> ·{' '}
            </>
          ) : null}
          <time dateTime={alert.createdAt} title={formatDateTime(alert.createdAt)}>
            raised {formatRelative(alert.createdAt)}
          </time>
        </div>
      </div>
      {can('alerts.act') ? (
        <div className="sm-alert-actions">
          <button
            type="button"
            className="button small"
            disabled={busy}
            onClick={() => acknowledge.perform()}
            aria-label={`Acknowledge “${alert.title}”${customerName ? ` for ${customerName}` : ''}`}
          >
            Acknowledge
          </button>
          <label htmlFor={snoozeId} className="visually-hidden">
            Snooze “{alert.title}”{customerName ? ` for ${customerName}` : ''}
          </label>
          <select id={snoozeId} value={choice} onChange={(event) => setChoice(Number(event.target.value))} disabled={busy}>
            {snoozeChoices().map((option, index) => (
              <option key={option.label} value={index}>
                {option.label}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="button secondary small"
            disabled={busy}
            onClick={() => snooze.perform()}
            aria-label={`Snooze “${alert.title}”${customerName ? ` for ${customerName}` : ''}`}
          >
            Snooze
          </button>
        </div>
      ) : null}
      <ErrorNote error={acknowledge.error ?? snooze.error} />
    </li>
  );
}
