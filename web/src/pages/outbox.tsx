// The local outbox: where emails land when no email provider is configured (no RESEND_API_KEY). Newest
// first, each opened as the customer would see it: the HTML, the text version and the headers
// (List-Unsubscribe...). The open email is kept in the address (?email=ID), so it can be linked to.
// With Resend configured, the page says the outbox is off and where the emails go instead.
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { useAddressFilters } from '../address-filters.ts';
import type { ApiError } from '../api.ts';
import { api } from '../api.ts';
import { EmailView } from '../components/tpl-email-view.tsx';
import type { OutboxEmail, OutboxPage as OutboxPageData, OutboxSummary } from '../components/tpl-types.ts';
import { formatDateTime, viewerTimeZone } from '../format.ts';
import { asApiError, Card, EmptyState, ErrorNote, Loading, PageHeader, useLoad } from '../ui.tsx';
import './outbox.css';

const PAGE_SIZE = 50;

/** `checkin` for a customer's email, "Staff: digest" for a staff email. */
const templateWords = (template: string | null) =>
  template === null ? '—' : template.startsWith('staff:') ? `Staff: ${template.slice('staff:'.length)}` : template;

export function OutboxPage() {
  const [params, changeAddress] = useAddressFilters();
  const openId = params.get('email');
  const first = useLoad(() => api.get<OutboxPageData>('/outbox', { limit: PAGE_SIZE }), []);
  const [emails, setEmails] = useState<OutboxSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [more, setMore] = useState<{ busy: boolean; error: ApiError | null }>({ busy: false, error: null });

  useEffect(() => {
    if (!first.data) return;
    setEmails(first.data.emails);
    setCursor(first.data.nextCursor);
  }, [first.data]);

  async function loadMore() {
    if (!cursor) return;
    setMore({ busy: true, error: null });
    try {
      const page = await api.get<OutboxPageData>('/outbox', { limit: PAGE_SIZE, cursor });
      setEmails((before) => [...before, ...page.emails]);
      setCursor(page.nextCursor);
      setMore({ busy: false, error: null });
    } catch (caught) {
      setMore({ busy: false, error: asApiError(caught) });
    }
  }

  function open(id: string | null) {
    changeAddress({ email: id });
  }

  const resend = first.data?.transport === 'resend';
  return (
    <>
      <PageHeader
        title="Outbox"
        subtitle={`Emails the engine sent while no email provider is configured, as the customer would see them. Times in your zone (${viewerTimeZone()}).`}
      />
      <ErrorNote error={first.error} retry={first.reload} />
      {!first.data && first.loading ? <Loading what="the outbox" /> : null}
      {resend ? (
        <div className="notice outbox-off" role="status">
          <p>
            <strong>The outbox is off.</strong> This engine sends email through Resend (RESEND_API_KEY is set), so new emails go to your
            customers’ inboxes and appear in your Resend dashboard, not here.
          </p>
          <p>Each customer’s timeline still shows every email they were sent, as they saw it.</p>
        </div>
      ) : null}
      {first.data && emails.length === 0 ? (
        resend ? null : (
          <EmptyState title="The outbox is empty.">
            <p>
              Emails land here when journeys send them. Check which journeys are running on <Link to="/journeys">the journeys page</Link>; a
              check-in goes out a few days after an order is delivered.
            </p>
          </EmptyState>
        )
      ) : null}
      {openId ? <OpenEmail id={openId} onClose={() => open(null)} /> : null}
      {emails.length > 0 ? (
        <Card title={resend ? 'Emails kept before Resend was configured' : 'Emails, newest first'}>
          <div className="outbox-table-wrap">
            <table>
              <caption className="visually-hidden">Emails in the outbox</caption>
              <thead>
                <tr>
                  <th scope="col">Subject</th>
                  <th scope="col">To</th>
                  <th scope="col">Template</th>
                  <th scope="col">Sent</th>
                </tr>
              </thead>
              <tbody>
                {emails.map((email) => (
                  <tr key={email.id} aria-current={email.id === openId ? 'true' : undefined}>
                    <td>
                      <Link to={`?email=${encodeURIComponent(email.id)}`} onClick={() => window.scrollTo({ top: 0 })}>
                        {email.subject || '(no subject)'}
                      </Link>
                    </td>
                    <td>
                      {email.to}
                      {email.customerId ? (
                        <div>
                          <Link to={`/customers/${encodeURIComponent(email.customerId)}`} className="outbox-customer">
                            Customer {email.customerId}
                          </Link>
                        </div>
                      ) : null}
                    </td>
                    <td>{templateWords(email.template)}</td>
                    <td>{formatDateTime(email.sentAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ErrorNote error={more.error} retry={loadMore} />
          {cursor ? (
            <button type="button" className="button secondary outbox-more" onClick={loadMore} disabled={more.busy}>
              {more.busy ? 'Loading…' : 'Show older emails'}
            </button>
          ) : null}
        </Card>
      ) : null}
    </>
  );
}

function OpenEmail({ id, onClose }: { id: string; onClose: () => void }) {
  const email = useLoad(() => api.get<OutboxEmail>(`/outbox/${encodeURIComponent(id)}`), [id]);
  const region = useRef<HTMLElement>(null);
  // Opening an email moves focus to it, so keyboard and screen reader users land where it appeared.
  useEffect(() => {
    if (email.data) region.current?.focus();
  }, [email.data]);
  const e = email.data;
  return (
    <section className="card outbox-open" aria-label="The open email" ref={region} tabIndex={-1}>
      <div className="card-header">
        <p className="outbox-open-title">As the customer sees it</p>
        <button type="button" className="button secondary small" onClick={onClose}>
          Close
        </button>
      </div>
      <ErrorNote error={email.error} retry={email.reload} />
      {!e && email.loading ? <Loading what="the email" /> : null}
      {e ? (
        <EmailView
          subject={e.subject}
          html={e.html}
          text={e.text}
          frameTitle={`The email “${e.subject}” as the customer sees it`}
          facts={[
            { label: 'From', value: e.from },
            { label: 'To', value: e.to },
            { label: 'Sent', value: formatDateTime(e.sentAt) },
            {
              label: 'Template',
              value: `${templateWords(e.template)}${e.locale ? ` (${e.locale})` : ''}${e.journeyKey ? `, journey ${e.journeyKey}` : ''}`,
            },
            ...Object.entries(e.headers).map(([name, value]) => ({ label: name, value })),
          ]}
        />
      ) : null}
    </section>
  );
}
