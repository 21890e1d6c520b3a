// The public edge: links in emails and the email provider's webhooks. No API key; each request proves
// itself instead: a link by its HMAC-signed token (bound to its purpose, see core/messaging/tokens.ts),
// a webhook by its Svix signature on the raw body. Pages speak the customer's language
// (messaging/page-text.ts).
//
//   GET  /u/:token          confirmation page with a one-click button; changes nothing
//   POST /u/:token          unsubscribes (RFC 8058 one-click: form-encoded, multipart or empty body);
//                           200 with a short page, never a redirect; idempotent
//   GET  /s/:token          the survey's question with the clicked score chosen; records nothing
//                           (mail scanners fetch every link); the page posts the answer once a person
//                           sees it, or on a click without script
//   POST /s/:token          records the answer (`score`, optional `comment`); a later one replaces it
//                           until the survey closes; journeys hear of it after the settle window
//   POST /webhooks/resend   Resend delivery events (messaging/resend-webhooks.ts)
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { verifyToken } from '../core/messaging/tokens.ts';
import { customerIdFromToken } from '../core/messaging/unsubscribe-links.ts';
import type { RouteEvents } from '../core/routing/ports.ts';
import { settleSurveyAnswer, storeSurveyAnswer, surveyOfMessage, surveyScales } from '../ingestion/survey-answers.ts';
import { unsubscribeCustomer, unsubscribeStatus } from '../ingestion/unsubscribe.ts';
import { type PageText, pageText } from '../messaging/page-text.ts';
import {
  processResendWebhook,
  type ResendWebhookOutcome,
  verifyResendWebhook,
  WebhookPayloadError,
  WebhookSignatureError,
} from '../messaging/resend-webhooks.ts';
import type { Database } from '../runtime/database.ts';
import type { Logger } from '../runtime/logger.ts';
import type { SurveySettler } from '../workflow-client/survey-settle.ts';
import { errorBody } from './errors.ts';

export type PublicRouteDeps = {
  db: Database;
  route: RouteEvents | null;
  logger: Logger;
  /** AFTERCARE_SECRET: checks link tokens. Unset: the link routes answer 503. */
  secret: string | undefined;
  /** RESEND_WEBHOOK_SECRET (`whsec_...`). Unset: the webhook route answers 503. */
  resendWebhookSecret: string | undefined;
  /** Starts the settle window of a survey's first answer; null: answers settle at once (no Temporal). */
  settleSurvey?: SurveySettler | null;
  /** The business's name, as the NPS question says it. */
  businessName?: string;
};

const LINK_BODY_LIMIT = 64 * 1024;
const WEBHOOK_BODY_LIMIT = 1024 * 1024;
const COMMENT_LIMIT = 2000;

const tokenParams = z.object({ token: z.string().min(1).max(1024) });

// ---------------------------------------------------------------------------------------------------
// Pages

const escapeHtml = (value: string) => value.replace(/[&<>"'`=]/g, (char) => `&#${char.charCodeAt(0)};`);

function page(lang: string, title: string, body: string, nonce: string | null): string {
  return `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
body{margin:0;padding:48px 16px;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2933;background:#f5f7fa}
main{max-width:520px;margin:0 auto;background:#fff;padding:32px;border-radius:8px}
h1{font-size:22px;margin:0 0 12px}
button{font:inherit;padding:10px 18px;border:0;border-radius:6px;background:#1d4ed8;color:#fff;cursor:pointer}
textarea{width:100%;box-sizing:border-box;min-height:96px;font:inherit;margin:8px 0}
fieldset{border:0;padding:0;margin:16px 0}
.scale{display:flex;flex-wrap:wrap;gap:6px}
.scale label{display:inline-flex;align-items:center;gap:4px;padding:8px 10px;border:1px solid #9aa5b1;border-radius:6px}
.ends{display:flex;justify-content:space-between;font-size:14px;color:#52606d}
</style>
</head>
<body><main><h1>${escapeHtml(title)}</h1>
${body}
</main>${nonce ? `<script nonce="${nonce}">${AUTO_SUBMIT_SCRIPT}</script>` : ''}</body>
</html>
`;
}

/**
 * Posts the chosen answer once a person can see the page: a scanner that only fetches the link never
 * runs it, and one that runs it in the background (hidden) waits for visibility that never comes. A
 * person's later choice replaces it, and journeys hear of the settled answer only.
 */
const AUTO_SUBMIT_SCRIPT = `(function(){var f=document.getElementById('answer');if(!f||f.dataset.auto!=='1')return;var sent=false;function go(){if(sent||document.visibilityState!=='visible')return;sent=true;var d=new URLSearchParams(new FormData(f));fetch(f.action,{method:'POST',body:d,credentials:'omit'}).then(function(r){return r.text()}).then(function(h){document.open();document.write(h);document.close()}).catch(function(){sent=false})}document.addEventListener('visibilitychange',go);go()})();`;

function sendPage(reply: FastifyReply, status: number, text: PageText, title: string, body: string, options: { script?: boolean } = {}) {
  const nonce = options.script ? randomBytes(16).toString('base64') : null;
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-robots-tag', 'noindex')
    .header('x-content-type-options', 'nosniff')
    .header(
      'content-security-policy',
      `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'${nonce ? `; script-src 'nonce-${nonce}'; connect-src 'self'` : ''}`,
    )
    .send(page(text.lang, title, body, nonce));
}

const p = (text: string) => `<p>${escapeHtml(text)}</p>`;

/** The visitor's language when the link says nothing about the customer: the browser's first choice. */
const browserText = (request: FastifyRequest) =>
  pageText(/^\s*([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)/.exec(String(request.headers['accept-language'] ?? ''))?.[1] ?? null);

const invalidLink = (request: FastifyRequest, reply: FastifyReply) => {
  const text = browserText(request);
  return sendPage(reply, 400, text, text.t('link.invalid.title'), p(text.t('link.invalid.body')));
};

const notConfigured = (request: FastifyRequest, reply: FastifyReply) => {
  const text = browserText(request);
  return sendPage(reply, 503, text, text.t('link.unavailable.title'), p(text.t('link.unavailable.body')));
};

// ---------------------------------------------------------------------------------------------------
// Form bodies

/** The fields of a urlencoded or multipart/form-data body (text fields only; files are ignored). */
export function parseFormBody(contentType: string | undefined, body: string): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!body) return fields;
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'multipart/form-data') {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
    const marker = boundary?.[1] ?? boundary?.[2];
    if (!marker) return fields;
    for (const part of body.split(`--${marker}`).slice(1)) {
      if (part.startsWith('--')) break;
      const split = part.search(/\r?\n\r?\n/);
      if (split < 0) continue;
      const head = part.slice(0, split);
      const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(head)?.[1] ?? '';
      if (/\bfilename\*?=/i.test(disposition)) continue;
      const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? /\bname=([^;\s]+)/i.exec(disposition)?.[1];
      if (name === undefined || name in fields) continue;
      fields[name] = part
        .slice(split)
        .replace(/^\r?\n\r?\n/, '')
        .replace(/\r?\n$/, '');
    }
    return fields;
  }
  for (const [name, value] of new URLSearchParams(body)) if (!(name in fields)) fields[name] = value;
  return fields;
}

function formFields(request: FastifyRequest): Record<string, string> {
  const body = request.body;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    return Object.fromEntries(Object.entries(body as Record<string, unknown>).filter(([, value]) => typeof value === 'string')) as Record<
      string,
      string
    >;
  }
  return {};
}

/** Form parsers for the link routes: urlencoded and multipart (RFC 8058 allows both); any other body is ignored. */
function acceptForms(app: FastifyInstance) {
  const parse = (request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) => {
    done(null, parseFormBody(request.headers['content-type'], typeof body === 'string' ? body : body.toString('utf8')));
  };
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, parse);
  app.addContentTypeParser('multipart/form-data', { parseAs: 'string' }, parse);
  // One-click clients are not all tidy: a body of another type is read and ignored, never a 415.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, {}));
}

// ---------------------------------------------------------------------------------------------------
// Routes

export const publicRoutes = (deps: PublicRouteDeps): FastifyPluginAsyncZod =>
  async function routes(app) {
    await app.register(async (instance) => {
      instance.removeAllContentTypeParsers();
      acceptForms(instance);
      const links = instance.withTypeProvider<ZodTypeProvider>();
      const linkOptions = (summary: string) => ({
        bodyLimit: LINK_BODY_LIMIT,
        schema: { summary, tags: ['public'], security: [], params: tokenParams },
      });

      const customerText = async (customerRowId: string) =>
        pageText((await deps.db.customer.findUnique({ where: { id: customerRowId }, select: { locale: true } }))?.locale ?? null);

      links.get('/u/:token', linkOptions('Unsubscribe confirmation page (changes nothing)'), async (request, reply) => {
        if (!deps.secret) return notConfigured(request, reply);
        const customerId = customerIdFromToken(deps.secret, request.params.token);
        if (!customerId) return invalidLink(request, reply);
        const status = await unsubscribeStatus(deps.db, customerId);
        if (!status) {
          const text = browserText(request);
          return sendPage(reply, 404, text, text.t('unsubscribe.unknown.title'), p(text.t('unsubscribe.unknown.body')));
        }
        const text = await customerText(customerId);
        if (status.unsubscribed) return sendPage(reply, 200, text, text.t('unsubscribe.done.title'), p(text.t('unsubscribe.already.body')));
        const form = `<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">${escapeHtml(text.t('unsubscribe.button'))}</button></form>`;
        return sendPage(reply, 200, text, text.t('unsubscribe.title'), `${p(text.t('unsubscribe.body'))}\n${form}`);
      });

      links.post('/u/:token', linkOptions('Unsubscribe (RFC 8058 one-click target)'), async (request, reply) => {
        if (!deps.secret) return notConfigured(request, reply);
        const customerId = customerIdFromToken(deps.secret, request.params.token);
        if (!customerId) return invalidLink(request, reply);
        const oneClick = formFields(request)['List-Unsubscribe'] === 'One-Click';
        const result = await unsubscribeCustomer(
          { db: deps.db, route: deps.route, logger: deps.logger },
          { customerId, at: new Date(), source: oneClick ? 'one-click' : 'link' },
        );
        if (result.status === 'unknown_customer') {
          const text = browserText(request);
          return sendPage(reply, 404, text, text.t('unsubscribe.unknown.title'), p(text.t('unsubscribe.unknown.body')));
        }
        const text = await customerText(customerId);
        return sendPage(reply, 200, text, text.t('unsubscribe.done.title'), p(text.t('unsubscribe.done.body')));
      });

      /** The survey's question as a form: the scale with `chosen` selected, an optional comment, a submit. */
      const surveyForm = (text: PageText, kind: 'csat' | 'nps', chosen: number | null, comment: string | null, auto: boolean) => {
        const [min, max] = surveyScales[kind];
        const options = Array.from({ length: max - min + 1 }, (_, i) => min + i)
          .map(
            (score) =>
              `<label><input type="radio" name="score" value="${score}"${score === chosen ? ' checked' : ''} required>${score}</label>`,
          )
          .join('');
        return `<form id="answer" method="post" data-auto="${auto ? '1' : '0'}">
<fieldset><legend>${escapeHtml(text.t(`survey.${kind}.question`, { business: deps.businessName ?? '' }))}</legend>
<div class="scale">${options}</div>
<div class="ends"><span>${escapeHtml(text.t(`survey.${kind}.low`))}</span><span>${escapeHtml(text.t(`survey.${kind}.high`))}</span></div></fieldset>
<label for="comment">${escapeHtml(text.t('survey.comment'))}</label>
<textarea id="comment" name="comment" maxlength="${COMMENT_LIMIT}">${escapeHtml(comment ?? '')}</textarea>
<button type="submit">${escapeHtml(text.t('survey.submit'))}</button>
</form>`;
      };

      /** The message and score a survey link names, or the page that says why not. */
      const surveyLink = async (request: FastifyRequest, reply: FastifyReply, token: string) => {
        if (!deps.secret) return { page: notConfigured(request, reply) };
        const payload = verifyToken(deps.secret, 'survey', token);
        const messageId = payload?.['m'];
        const score = payload?.['s'];
        if (typeof messageId !== 'string' || typeof score !== 'number') return { page: invalidLink(request, reply) };
        const survey = await surveyOfMessage(deps.db, messageId);
        if (!survey) {
          const text = browserText(request);
          return { page: sendPage(reply, 404, text, text.t('survey.unknown.title'), p(text.t('survey.unknown.body'))) };
        }
        const [min, max] = surveyScales[survey.kind];
        if (!Number.isInteger(score) || score < min || score > max) return { page: invalidLink(request, reply) };
        const text = await customerText(survey.message.customerId);
        return { survey, score, text };
      };

      // GET (and HEAD, which Fastify answers from it) records nothing: a scanner fetching the link
      // sees the question; a person's browser posts the answer once the page is visible.
      links.get(
        '/s/:token',
        linkOptions('The survey question, with the clicked score chosen (records nothing)'),
        async (request, reply) => {
          const found = await surveyLink(request, reply, request.params.token);
          if ('page' in found) return found.page;
          const { survey, score, text } = found;
          if (Date.now() > survey.closesAt)
            return sendPage(reply, 200, text, text.t('survey.closed.title'), p(text.t('survey.closed.body')));
          const body = surveyForm(text, survey.kind, score, survey.answer?.comment ?? null, true);
          return sendPage(reply, 200, text, text.t('survey.title'), body, { script: true });
        },
      );

      links.post('/s/:token', linkOptions('Record a survey answer (score and optional comment)'), async (request, reply) => {
        const found = await surveyLink(request, reply, request.params.token);
        if ('page' in found) return found.page;
        const { survey, text } = found;
        const fields = formFields(request);
        const given = fields['score'] !== undefined && /^\d{1,2}$/.test(fields['score']) ? Number(fields['score']) : found.score;
        const comment = fields['comment']?.trim().slice(0, COMMENT_LIMIT) || undefined;
        const stored = await storeSurveyAnswer(deps.db, {
          messageId: survey.message.id,
          score: given,
          at: new Date(),
          ...(comment ? { comment } : {}),
        });
        if (stored.status === 'unknown_message')
          return sendPage(reply, 404, text, text.t('survey.unknown.title'), p(text.t('survey.unknown.body')));
        if (stored.status === 'invalid_score') return invalidLink(request, reply);
        if (stored.status === 'closed') return sendPage(reply, 200, text, text.t('survey.closed.title'), p(text.t('survey.closed.body')));
        // The first answer opens the settle window; without Temporal (a bare API), it settles at once.
        try {
          if (deps.settleSurvey) await deps.settleSurvey(survey.message.id);
          else await settleSurveyAnswer(deps.db, deps.route, survey.message.id, new Date());
        } catch (error) {
          // Stored: the worker's sweeper settles answers whose window was never started.
          deps.logger.warn({ err: error, messageId: survey.message.id }, 'survey settle window not started; the sweeper will settle it');
        }
        const thanks = stored.comment ? p(text.t('survey.thanks.comment.saved')) : '';
        const body = `${p(text.t('survey.thanks.body'))}\n${thanks}\n${surveyForm(text, survey.kind, stored.score, stored.comment, false)}`;
        return sendPage(reply, 200, text, text.t('survey.thanks.title'), body);
      });
    });

    await app.register(async (webhooks) => {
      // The signature covers the exact bytes Resend sent: keep them raw.
      webhooks.removeAllContentTypeParsers();
      webhooks.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => done(null, body));
      webhooks.post(
        '/webhooks/resend',
        {
          bodyLimit: WEBHOOK_BODY_LIMIT,
          schema: { summary: 'Resend delivery events (Svix-signed)', tags: ['webhooks'], security: [] },
        },
        async (request, reply) => {
          if (!deps.resendWebhookSecret) {
            return reply
              .status(503)
              .send(errorBody('webhooks_not_configured', 'RESEND_WEBHOOK_SECRET is not set, so webhooks cannot be verified.'));
          }
          const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          let payload: unknown;
          try {
            payload = verifyResendWebhook(deps.resendWebhookSecret, raw, request.headers);
          } catch (error) {
            if (error instanceof WebhookSignatureError) {
              request.log.warn({ reason: error.message }, 'webhook refused: bad signature');
              return reply
                .status(401)
                .send(errorBody('invalid_signature', `The webhook signature is not valid: ${error.message}`, 'svix-signature'));
            }
            if (error instanceof WebhookPayloadError) return reply.status(400).send(errorBody('invalid_payload', error.message, '(body)'));
            throw error;
          }
          let outcome: ResendWebhookOutcome;
          try {
            outcome = await processResendWebhook(deps.db, { id: String(request.headers['svix-id']), payload });
          } catch (error) {
            if (error instanceof WebhookPayloadError) return reply.status(400).send(errorBody('invalid_payload', error.message, '(body)'));
            throw error;
          }
          return reply.status(200).send({ status: outcome.status, type: outcome.type });
        },
      );
    });
  };
