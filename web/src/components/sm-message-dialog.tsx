// An email as the customer saw it: its subject, who it went to and when, the HTML in a sandboxed frame (no
// script, no same-origin access, no forms: `sandbox=""`), and the text version. A modal dialog: focus
// moves into it, Escape or the Close button closes it and focus returns to what opened it.
import { useEffect, useRef } from 'react';
import { api } from '../api.ts';
import { formatDateTime } from '../format.ts';
import { ErrorNote, Loading, useLoad } from '../ui.tsx';
import type { Message } from './sm-types.ts';

const statusWords: Record<string, string> = {
  pending: 'being sent',
  sent: 'sent',
  delivered: 'delivered',
  delayed: 'delayed',
  bounced: 'bounced',
  complained: 'marked as spam',
  failed: 'failed',
  skipped: 'skipped (not sent)',
};

export function MessageDialog({ messageId, onClose }: { messageId: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const message = useLoad(() => api.get<Message>(`/messages/${encodeURIComponent(messageId)}`), [messageId]);

  useEffect(() => {
    const element = dialog.current;
    // Removing the element on unmount takes it out of the top layer; closing here would call onClose again.
    if (element && !element.open) element.showModal();
  }, []);

  const m = message.data;
  return (
    <dialog ref={dialog} className="sm-message-dialog" aria-labelledby="sm-message-title" onClose={onClose}>
      <div className="sm-dialog-header">
        <h2 id="sm-message-title">{m ? (m.subject ?? '(no subject)') : 'Email'}</h2>
        <button type="button" className="button secondary small" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
      <ErrorNote error={message.error} retry={message.reload} />
      {!m && message.loading ? <Loading what="the email" /> : null}
      {m ? (
        <>
          <dl className="sm-facts">
            <div>
              <dt>To</dt>
              <dd>{m.toAddress ?? '—'}</dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>
                {statusWords[m.status] ?? m.status}
                {m.reason ? `: ${m.reason}` : ''}
              </dd>
            </div>
            <div>
              <dt>{m.sentAt ? 'Sent' : 'Written'}</dt>
              <dd>{formatDateTime(m.sentAt ?? m.createdAt)}</dd>
            </div>
            <div>
              <dt>Template</dt>
              <dd>
                {m.template} ({m.locale}, {m.category}){m.journeyKey ? `, journey ${m.journeyKey}` : ''}
              </dd>
            </div>
          </dl>
          {m.html ? (
            <iframe
              className="sm-message-frame"
              title={`The email “${m.subject ?? ''}” as the customer saw it`}
              sandbox=""
              srcDoc={m.html}
            />
          ) : (
            <p className="muted">This email has no HTML version{m.status === 'skipped' ? ': it was not sent' : ''}.</p>
          )}
          {m.text ? (
            <details className="sm-message-text">
              <summary>Text version</summary>
              <pre>{m.text}</pre>
            </details>
          ) : null}
        </>
      ) : null}
    </dialog>
  );
}
