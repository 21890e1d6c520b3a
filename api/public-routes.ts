// The public edge: links in emails and the email provider's webhooks. No API key; each request proves
// itself instead: a link by its HMAC-signed token (bound to its purpose, see core/messaging/tokens.ts),
// a webhook by its Svix signature on the raw body.
//
//   GET  /u/:token          confirmation page with a one-click button; changes nothing
//   POST /u/:token          unsubscribes (RFC 8058 one-click: form-encoded, multipart or empty body);
//                           200 with a short page, never a redirect; idempotent
//   GET  /s/:token          records the survey answer (the first answer counts) and thanks
//   POST /s/:token          the same, plus an optional `comment`
//   POST /webhooks/resend   Resend delivery events (messaging/resend-webhooks.ts)
//
// Survey links record on GET although mail scanners prefetch links: PRODUCT.md promises a one-click
// answer, and the first answer is final, so a scanner can at worst answer in the customer's place with
// the score of the first link it follows. Unsubscribing, by contrast, needs a POST.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { verifyToken } from '../core/messaging/tokens.ts';
import { customerIdFromToken } from '../core/messaging/unsubscribe-links.ts';
import type { RouteEvents } from '../core/routing/ports.ts';
import { routeStoredEvent } from '../ingestion/internal-events.ts';
import { recordSurveyAnswer } from '../ingestion/survey-answers.ts';
import { unsubscribeCustomer, unsubscribeStatus } from '../ingestion/unsubscribe.ts';
import {
  processResendWebhook,
  type ResendWebhookOutcome,
  verifyResendWebhook,
  WebhookPayloadError,
  WebhookSignatureError,
} from '../messaging/resend-webhooks.ts';
import type { Database } from '../runtime/database.ts';
import type { Logger } from '../runtime/logger.ts';
import { errorBody } from './errors.ts';

export type PublicRouteDeps = {
  db: Database;
  route: RouteEvents | null;
  logger: Logger;
  /** AFTERCARE_SECRET: checks link tokens. Unset: the link routes answer 503. */
  secret: string | undefined;
  /** RESEND_WEBHOOK_SECRET (`whsec_...`). Unset: the webhook route answers 503. */
  resendWebhookSecret: string | undefined;
};

const LINK_BODY_LIMIT = 64 * 1024;
const WEBHOOK_BODY_LIMIT = 1024 * 1024;
const COMMENT_LIMIT = 2000;

const tokenParams = z.object({ token: z.string().min(1).max(1024) });

// ---------------------------------------------------------------------------------------------------
// Pages

const escapeHtml = (value: string) => value.replace(/[&<>"'`=]/g, (char) => `&#${char.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
body{margin:0;padding:48px 16px;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2933;background:#f5f7fa}
main{max-width:480px;margin:0 auto;background:#fff;padding:32px;border-radius:8px}
h1{font-size:22px;margin:0 0 12px}
button{font:inherit;padding:10px 18px;border:0;border-radius:6px;background:#2563eb;color:#fff;cursor:pointer}
textarea{width:100%;box-sizing:border-box;min-height:96px;font:inherit;margin:8px 0}
</style>
</head>
<body><main><h1>${escapeHtml(title)}</h1>
${body}
</main></body>
</html>
`;
}

function sendPage(reply: FastifyReply, status: number, title: string, body: string) {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-robots-tag', 'noindex')
    .header('x-content-type-options', 'nosniff')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    .send(page(title, body));
}

const p = (text: string) => `<p>${escapeHtml(text)}</p>`;

const invalidLink = (reply: FastifyReply) =>
  sendPage(
    reply,
    400,
    'This link does not work',
    p('The link is incomplete or has been altered. Please use the link in the email exactly as it is.'),
  );

const notConfigured = (reply: FastifyReply) =>
  sendPage(reply, 503, 'Temporarily unavailable', p('This link cannot be checked right now. Please try again later.'));

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

      const unsubscribeForm = `<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`;

      links.get('/u/:token', linkOptions('Unsubscribe confirmation page (changes nothing)'), async (request, reply) => {
        if (!deps.secret) return notConfigured(reply);
        const customerId = customerIdFromToken(deps.secret, request.params.token);
        if (!customerId) return invalidLink(reply);
        const status = await unsubscribeStatus(deps.db, customerId);
        if (!status) return sendPage(reply, 404, 'We could not find you', p('This link belongs to an address we no longer know.'));
        if (status.unsubscribed) {
          return sendPage(
            reply,
            200,
            'You are unsubscribed',
            p('You will not receive these emails any more. There is nothing else to do.'),
          );
        }
        return sendPage(reply, 200, 'Unsubscribe?', `${p('Press the button to stop receiving these emails.')}\n${unsubscribeForm}`);
      });

      links.post('/u/:token', linkOptions('Unsubscribe (RFC 8058 one-click target)'), async (request, reply) => {
        if (!deps.secret) return notConfigured(reply);
        const customerId = customerIdFromToken(deps.secret, request.params.token);
        if (!customerId) return invalidLink(reply);
        const oneClick = formFields(request)['List-Unsubscribe'] === 'One-Click';
        const result = await unsubscribeCustomer(
          { db: deps.db, route: deps.route, logger: deps.logger },
          { customerId, at: new Date(), source: oneClick ? 'one-click' : 'link' },
        );
        if (result.status === 'unknown_customer') {
          return sendPage(reply, 404, 'We could not find you', p('This link belongs to an address we no longer know.'));
        }
        return sendPage(reply, 200, 'You are unsubscribed', p('You will not receive these emails any more.'));
      });

      const surveyAnswer = async (token: string, reply: FastifyReply, comment?: string) => {
        if (!deps.secret) return notConfigured(reply);
        const payload = verifyToken(deps.secret, 'survey', token);
        const messageId = payload?.['m'];
        const score = payload?.['s'];
        if (typeof messageId !== 'string' || typeof score !== 'number') return invalidLink(reply);
        // Stored without routing, then routed: a Temporal outage never loses an answer (the sweeper
        // routes it later) and never shows the customer an error.
        const result = await recordSurveyAnswer(deps.db, null, { messageId, score, at: new Date(), ...(comment ? { comment } : {}) });
        if (result.status === 'unknown_message') {
          return sendPage(reply, 404, 'We could not find this survey', p('It may have been withdrawn. Thank you all the same.'));
        }
        if (result.status === 'invalid_score') return invalidLink(reply);
        await routeStoredEvent({ db: deps.db, route: deps.route, logger: deps.logger }, `survey.answered:${messageId}`);
        let commented = false;
        if (comment && result.status === 'already_answered') {
          // The comment form of the thank-you page posts after the answer was recorded: keep the first comment.
          commented = (await deps.db.surveyResponse.updateMany({ where: { messageId, comment: null }, data: { comment } })).count > 0;
        } else if (comment) {
          commented = true;
        }
        const response = await deps.db.surveyResponse.findUnique({ where: { messageId }, select: { score: true, comment: true } });
        const answered = response?.score ?? score;
        const commentForm = response?.comment
          ? ''
          : `<form method="post"><label for="comment">Anything you would like to add?</label><textarea id="comment" name="comment" maxlength="${COMMENT_LIMIT}"></textarea><button type="submit">Send</button></form>`;
        if (commented) return sendPage(reply, 200, 'Thank you', p('Thank you for your comment: a real person reads every one.'));
        if (result.status === 'recorded') {
          return sendPage(reply, 200, 'Thank you', `${p(`Your answer (${answered}) is recorded.`)}\n${commentForm}`);
        }
        return sendPage(
          reply,
          200,
          'Already answered',
          `${p(`You have already answered this survey (${answered}). Thank you!`)}\n${commentForm}`,
        );
      };

      links.get('/s/:token', linkOptions('Answer a survey with one click'), (request, reply) => surveyAnswer(request.params.token, reply));
      links.post('/s/:token', linkOptions('Answer a survey, with an optional comment'), (request, reply) => {
        const comment = formFields(request)['comment']?.trim().slice(0, COMMENT_LIMIT);
        return surveyAnswer(request.params.token, reply, comment || undefined);
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
