// An email as its reader sees it: the subject as a heading, the facts and headers above it, the HTML in a
// sandboxed frame (`sandbox=""`: no script, no same-origin access, no forms; links do not navigate) and
// the text version. Shared by the template preview and the outbox.
import { useId } from 'react';
import './tpl-email-view.css';

export type EmailFact = { label: string; value: string };

export function EmailView({
  subject,
  html,
  text,
  facts = [],
  frameTitle,
  headingLevel = 2,
}: {
  subject: string;
  html: string;
  text: string;
  facts?: EmailFact[];
  frameTitle: string;
  headingLevel?: 2 | 3;
}) {
  const textId = useId();
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <article className="tpl-email" aria-label={`Email: ${subject}`}>
      <Heading className="tpl-email-subject">
        <span className="muted tpl-email-label">Subject: </span>
        {subject || '(no subject)'}
      </Heading>
      {facts.length > 0 ? (
        <dl className="tpl-email-facts">
          {facts.map((fact) => (
            <div key={fact.label}>
              <dt>{fact.label}</dt>
              <dd>{fact.value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {html ? (
        <iframe className="tpl-email-frame" title={frameTitle} sandbox="" srcDoc={html} />
      ) : (
        <p className="muted">This email has no HTML version.</p>
      )}
      <section className="tpl-email-text" aria-labelledby={textId}>
        <h3 id={textId}>Text version</h3>
        {text ? <pre>{text}</pre> : <p className="muted">This email has no text version.</p>}
      </section>
    </article>
  );
}
