// The public edge: links in emails and the email provider's webhooks. No API key; each request proves
// itself instead: a link by its HMAC-signed token (bound to its purpose, see core/messaging/tokens.ts),
// a webhook by its Svix signature on the raw body. Pages speak the customer's language
// (messaging/page-text.ts) in the business's look (api/public-pages.ts).
//
//   GET  /u/:token          the customer's email choices (marketing; check-ins and surveys; everything)
//                           with a one-click button for the kind of email the link came from; changes nothing
//   POST /u/:token          RFC 8058 one-click (form-encoded, multipart or empty body): unsubscribes from
//                           the link's kind of email; `choice=save` applies the ticked choices,
//                           `choice=everything` unsubscribes from everything; 200 with a short page,
//                           never a redirect; idempotent
//   GET  /s/:token          the survey's question with the clicked score chosen; records nothing
//                           (mail scanners fetch every link); the page posts the answer once a person
//                           sees it, or on a click without script
//   POST /s/:token          records the answer (`score`, optional `comment`); a later one replaces it
//                           until the survey closes; journeys hear of it after the settle window
//   GET  /r/:token          a review link (api/review-pages.ts): `review.clicked`, then the business's
//                           review target, or the built-in review page (which records nothing)
//   POST /r/:token          the built-in review page's form: `review.submitted`
//   POST /webhooks/resend   Resend delivery events (messaging/resend-webhooks.ts)
//
// A link from a template preview (its token says so) opens the same page with a note, and records nothing.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Brand } from '../core/messaging/brand.ts';
import { verifyToken } from '../core/messaging/tokens.ts';
import { type UnsubscribeLink, unsubscribeLinkFromToken } from '../core/messaging/unsubscribe-links.ts';
import type { RouteEvents } from '../core/routing/ports.ts';
import { settleSurveyAnswer, storeSurveyAnswer, surveyOfMessage, surveyScales } from '../ingestion/survey-answers.ts';
import { type EmailChoices, emailChoices, saveEmailChoices, unsubscribeCustomer } from '../ingestion/unsubscribe.ts';
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
import { acceptForms, browserText, escapeHtml, formFields, invalidLink, notConfigured, p, sendPage } from './public-pages.ts';
import { reviewPages } from './review-pages.ts';

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
  /** The business's look on every page (BRAND_LOGO_URL, BRAND_ACCENT, BRAND_FOOTER). */
  brand?: Brand | undefined;
  /** REVIEW_URL_TEMPLATE: where review links lead; unset, the built-in review page. */
  reviewUrlTemplate?: string | undefined;
};

const LINK_BODY_LIMIT = 64 * 1024;
const WEBHOOK_BODY_LIMIT = 1024 * 1024;
const COMMENT_LIMIT = 2000;

const tokenParams = z.object({ token: z.string().min(1).max(1024) });

/**
 * Posts the chosen answer once a person can see the page: a scanner that only fetches the link never
 * runs it, and one that runs it in the background (hidden) waits for visibility that never comes. A
 * person's later choice replaces it, and journeys hear of the settled answer only.
 */
const AUTO_SUBMIT_SCRIPT = `(function(){var f=document.getElementById('answer');if(!f||f.dataset.auto!=='1')return;var sent=false;function go(){if(sent||document.visibilityState!=='visible')return;sent=true;var d=new URLSearchParams(new FormData(f));fetch(f.action,{method:'POST',body:d,credentials:'omit'}).then(function(r){return r.text()}).then(function(h){document.open();document.write(h);document.close()}).catch(function(){sent=false})}document.addEventListener('visibilitychange',go);go()})();`;

// ---------------------------------------------------------------------------------------------------
// Routes

export const publicRoutes = (deps: PublicRouteDeps): FastifyPluginAsyncZod =>
  async function routes(app) {
    const brand = deps.brand;
    const show = (
      reply: FastifyReply,
      status: number,
      text: PageText,
      title: string,
      body: string,
      options?: { preview?: boolean; script?: string },
    ) => sendPage(reply, brand, status, text, title, body, options);
    const invalid = (request: FastifyRequest, reply: FastifyReply) => invalidLink(request, reply, brand);
    const unavailable = (request: FastifyRequest, reply: FastifyReply) => notConfigured(request, reply, brand);

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

      // -----------------------------------------------------------------------------------------------
      // Email choices

      /** The choices as a form: one box per category, saved together, and "everything" on its own. */
      const choicesForm = (text: PageText, choices: Pick<EmailChoices, 'marketing' | 'checkins'>) =>
        `<form method="post" class="choices"><input type="hidden" name="choice" value="save">
<fieldset><legend>${escapeHtml(text.t('choices.legend'))}</legend>
<label><input type="checkbox" name="marketing" value="yes"${choices.marketing ? ' checked' : ''}> ${escapeHtml(text.t('choices.marketing'))}</label>
<label><input type="checkbox" name="checkins" value="yes"${choices.checkins ? ' checked' : ''}> ${escapeHtml(text.t('choices.checkins'))}</label>
</fieldset>
<button type="submit">${escapeHtml(text.t('choices.save'))}</button>
</form>
<form method="post"><input type="hidden" name="choice" value="everything"><p><button type="submit" class="secondary">${escapeHtml(text.t('choices.everything'))}</button></p></form>
<p class="note">${escapeHtml(text.t('choices.service'))}</p>`;

      /** The link's customer and kind of email, or the page that says why not. */
      const unsubscribeLink = async (request: FastifyRequest, reply: FastifyReply) => {
        if (!deps.secret) return { page: unavailable(request, reply) };
        const link = unsubscribeLinkFromToken(deps.secret, (request.params as { token: string }).token);
        if (!link) return { page: invalid(request, reply) };
        if (link.preview) return { link, choices: null, text: pageText(link.locale) };
        const choices = await emailChoices(deps.db, link.customerId);
        if (!choices) {
          const text = browserText(request);
          return { page: show(reply, 404, text, text.t('unsubscribe.unknown.title'), p(text.t('unsubscribe.unknown.body'))) };
        }
        return { link, choices, text: await customerText(link.customerId) };
      };

      /** The one-click button for the link's kind of email (while it is still on), then every choice. */
      const choicesPage = (reply: FastifyReply, link: UnsubscribeLink, text: PageText, choices: EmailChoices, title?: string) => {
        const stillOn = choices[link.category];
        const oneClick = stillOn
          ? `${p(text.t(`unsubscribe.body.${link.category}`))}\n<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">${escapeHtml(text.t('unsubscribe.button'))}</button></form>\n`
          : '';
        const everything = choices.everything ? p(text.t('choices.everything.body')) : '';
        const heading = title ?? (stillOn ? text.t('unsubscribe.title') : text.t('choices.title'));
        return show(
          reply,
          200,
          text,
          heading,
          `${oneClick}${everything}${heading === text.t('choices.title') ? '' : `<h2>${escapeHtml(text.t('choices.title'))}</h2>\n`}${choicesForm(text, choices)}`,
          {
            preview: link.preview,
          },
        );
      };

      links.get('/u/:token', linkOptions("The customer's email choices (changes nothing)"), async (request, reply) => {
        const found = await unsubscribeLink(request, reply);
        if ('page' in found) return found.page;
        const choices = found.choices ?? { email: null, marketing: true, checkins: true, everything: false };
        return choicesPage(reply, found.link, found.text, choices);
      });

      links.post('/u/:token', linkOptions('Unsubscribe (RFC 8058 one-click target) or save email choices'), async (request, reply) => {
        const found = await unsubscribeLink(request, reply);
        if ('page' in found) return found.page;
        const { link, text } = found;
        const fields = formFields(request);
        const choice = fields['choice'];
        const at = new Date();
        if (choice === 'save') {
          const wanted = { marketing: fields['marketing'] === 'yes', checkins: fields['checkins'] === 'yes' };
          if (!link.preview) {
            await saveEmailChoices(
              { db: deps.db, route: deps.route, logger: deps.logger },
              { customerId: link.customerId, at, source: 'preferences', ...wanted },
            );
          }
          const saved = {
            email: null,
            ...wanted,
            everything: !wanted.marketing && !wanted.checkins && (found.choices?.everything ?? false),
          };
          return choicesPage(reply, link, text, saved, text.t('choices.saved.title'));
        }
        // The bare RFC 8058 POST (or an empty body) unsubscribes from the kind of email the link came from.
        const from = choice === 'everything' ? 'everything' : link.category;
        if (!link.preview) {
          const oneClick = fields['List-Unsubscribe'] === 'One-Click';
          const result = await unsubscribeCustomer(
            { db: deps.db, route: deps.route, logger: deps.logger },
            { customerId: link.customerId, at, source: oneClick ? 'one-click' : 'link', from },
          );
          if (result.status === 'unknown_customer') {
            const unknown = browserText(request);
            return show(reply, 404, unknown, unknown.t('unsubscribe.unknown.title'), p(unknown.t('unsubscribe.unknown.body')));
          }
        }
        const body = from === 'everything' ? text.t('unsubscribe.done.body') : text.t(`unsubscribe.done.body.${from}`);
        return show(reply, 200, text, text.t('unsubscribe.done.title'), p(body), { preview: link.preview });
      });

      // -----------------------------------------------------------------------------------------------
      // Surveys

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

      /** A survey link from a template preview: its kind (from its scale), score and language; it names no message. */
      const previewSurvey = (payload: Record<string, unknown>) => {
        const score = payload['s'];
        const kind = payload['k'] === 'csat' || payload['k'] === 'nps' ? (payload['k'] as 'csat' | 'nps') : null;
        if (payload['p'] !== 1 || kind === null || typeof score !== 'number') return null;
        const [min, max] = surveyScales[kind];
        if (!Number.isInteger(score) || score < min || score > max) return null;
        return { kind, score, text: pageText(typeof payload['l'] === 'string' ? payload['l'] : null) };
      };

      /** The message and score a survey link names, or the page that says why not. */
      const surveyLink = async (request: FastifyRequest, reply: FastifyReply, token: string) => {
        if (!deps.secret) return { page: unavailable(request, reply) };
        const payload = verifyToken(deps.secret, 'survey', token);
        const messageId = payload?.['m'];
        const score = payload?.['s'];
        if (typeof messageId !== 'string' || typeof score !== 'number') return { page: invalid(request, reply) };
        const preview = payload ? previewSurvey(payload) : null;
        if (preview) return { preview };
        const survey = await surveyOfMessage(deps.db, messageId);
        if (!survey) {
          const text = browserText(request);
          return { page: show(reply, 404, text, text.t('survey.unknown.title'), p(text.t('survey.unknown.body'))) };
        }
        const [min, max] = surveyScales[survey.kind];
        if (!Number.isInteger(score) || score < min || score > max) return { page: invalid(request, reply) };
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
          if (found.preview) {
            const { kind, score, text } = found.preview;
            return show(reply, 200, text, text.t('survey.title'), surveyForm(text, kind, score, null, false), { preview: true });
          }
          const { survey, score, text } = found;
          if (Date.now() > survey.closesAt) return show(reply, 200, text, text.t('survey.closed.title'), p(text.t('survey.closed.body')));
          const body = surveyForm(text, survey.kind, score, survey.answer?.comment ?? null, true);
          return show(reply, 200, text, text.t('survey.title'), body, { script: AUTO_SUBMIT_SCRIPT });
        },
      );

      links.post('/s/:token', linkOptions('Record a survey answer (score and optional comment)'), async (request, reply) => {
        const found = await surveyLink(request, reply, request.params.token);
        if ('page' in found) return found.page;
        if (found.preview) {
          const { text } = found.preview;
          return show(reply, 200, text, text.t('survey.thanks.title'), p(text.t('survey.thanks.body')), { preview: true });
        }
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
          return show(reply, 404, text, text.t('survey.unknown.title'), p(text.t('survey.unknown.body')));
        if (stored.status === 'invalid_score') return invalid(request, reply);
        if (stored.status === 'closed') return show(reply, 200, text, text.t('survey.closed.title'), p(text.t('survey.closed.body')));
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
        return show(reply, 200, text, text.t('survey.thanks.title'), body);
      });

      // -----------------------------------------------------------------------------------------------
      // Reviews

      await links.register(
        reviewPages({
          db: deps.db,
          route: deps.route,
          logger: deps.logger,
          secret: deps.secret,
          brand,
          reviewUrlTemplate: deps.reviewUrlTemplate,
          businessName: deps.businessName ?? '',
          linkOptions,
        }),
      );
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
