// Review links (core/messaging/review-links.ts), the public side:
//
//   GET  /r/:token   with REVIEW_URL_TEMPLATE: records `review.clicked` (once per link) and redirects (303)
//                    to the business's review target with the order and item filled in. Without it:
//                    the built-in review page, a star rating (1-5) and a text per item, which records
//                    nothing (mail scanners fetch every link)
//   POST /r/:token   the built-in page's form: `review.submitted`, the review-request journey's goal
//   GET  /review     where the button of review requests sent before signed links pointed
//
// Expired, forged and other-purpose tokens get a friendly page and change nothing; a preview's link
// shows the same page with a note and records nothing.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Brand } from '../core/messaging/brand.ts';
import { fillReviewTarget, type ReviewLink, reviewLinkFromToken } from '../core/messaging/review-links.ts';
import type { RouteEvents } from '../core/routing/ports.ts';
import {
  REVIEW_TEXT_LIMIT,
  type ReviewableItem,
  type ReviewSubject,
  recordReviewClick,
  reviewSubject,
  type SubmittedReview,
  submitReview,
  submittedReview,
} from '../ingestion/reviews.ts';
import { type PageText, pageText } from '../messaging/page-text.ts';
import type { Database } from '../runtime/database.ts';
import type { Logger } from '../runtime/logger.ts';
import { browserText, escapeHtml, formFields, invalidLink, notConfigured, p, sendPage } from './public-pages.ts';

export type ReviewPagesDeps = {
  db: Database;
  route: RouteEvents | null;
  logger: Logger;
  secret: string | undefined;
  brand: Brand | undefined;
  reviewUrlTemplate: string | undefined;
  businessName: string;
  linkOptions: (summary: string) => { bodyLimit: number; schema: { params: z.ZodType<{ token: string }> } & Record<string, unknown> };
};

type Found =
  | { page: FastifyReply }
  | { link: ReviewLink; text: PageText; subject: ReviewSubject | null /* null: a preview, which names nothing stored */ };

export const reviewPages = (deps: ReviewPagesDeps): FastifyPluginAsyncZod =>
  async function routes(app) {
    const show = (reply: FastifyReply, status: number, text: PageText, title: string, body: string, preview = false) =>
      sendPage(reply, deps.brand, status, text, title, body, { preview });

    /** The link, its customer's language and what it asks about, or the page that says why not. */
    const open = async (request: FastifyRequest, reply: FastifyReply, token: string): Promise<Found> => {
      if (!deps.secret) return { page: notConfigured(request, reply, deps.brand) };
      const link = reviewLinkFromToken(deps.secret, token);
      if (!link) return { page: invalidLink(request, reply, deps.brand) };
      if (link.preview) return { link, text: pageText(link.locale), subject: null };
      const subject = await reviewSubject(deps.db, link);
      if (!subject) {
        const text = browserText(request);
        return { page: show(reply, 404, text, text.t('review.unknown.title'), p(text.t('review.unknown.body'))) };
      }
      return { link, text: pageText(subject.customer.locale), subject };
    };

    const expired = (reply: FastifyReply, found: { link: ReviewLink; text: PageText }) =>
      show(reply, 200, found.text, found.text.t('review.expired.title'), p(found.text.t('review.expired.body')), found.link.preview);

    /** What the page asks about: each item, or (a review of the shop, or a preview) one rating. */
    const questions = (found: { link: ReviewLink; subject: ReviewSubject | null }): (ReviewableItem | null)[] => {
      const items = found.subject?.items ?? [];
      return items.length > 0 ? items : [null];
    };

    /** One accessible radio group of 1-5 stars and a text box per item. */
    const form = (text: PageText, link: ReviewLink, asked: (ReviewableItem | null)[], given: SubmittedReview[], error: string | null) => {
      const groups = asked.map((item, index) => {
        const before = given.find((review) => review.itemId === (item?.itemId ?? null));
        const legend = item
          ? text.t('review.item.legend', { item: item.name })
          : link.orderId
            ? text.t('review.order.legend', { order: link.orderId })
            : text.t('review.shop.legend', { business: deps.businessName });
        const stars = [1, 2, 3, 4, 5]
          .map(
            (count) =>
              `<label><input type="radio" name="rating-${index}" value="${count}"${before?.rating === count ? ' checked' : ''}><span aria-hidden="true">${'★'.repeat(count)}</span><span class="sr-only">${escapeHtml(count === 1 ? text.t('review.stars.one') : text.t('review.stars', { count: String(count) }))}</span></label>`,
          )
          .join('');
        return `<fieldset><legend>${escapeHtml(legend)}</legend>
<div class="stars">${stars}</div>
<label for="text-${index}">${escapeHtml(text.t('review.text'))}</label>
<textarea id="text-${index}" name="text-${index}" maxlength="${REVIEW_TEXT_LIMIT}">${escapeHtml(before?.text ?? '')}</textarea>
</fieldset>`;
      });
      const problem = error ? `<p class="error" role="alert">${escapeHtml(error)}</p>\n` : '';
      return `${problem}${p(text.t('review.intro'))}
<form method="post">
${groups.join('\n')}
<button type="submit">${escapeHtml(text.t('review.submit'))}</button>
</form>`;
    };

    // The review request's button pointed at PUBLIC_URL/review before review links were signed: an email
    // already sent still leads somewhere (the review site, or a page saying where the working link is).
    app.get(
      '/review',
      { schema: { summary: 'Where review buttons of earlier emails lead', tags: ['public'], security: [] } },
      async (request, reply) => {
        if (deps.reviewUrlTemplate) return reply.redirect(fillReviewTarget(deps.reviewUrlTemplate, { orderId: null, itemId: null }), 303);
        const text = browserText(request);
        return show(reply, 200, text, text.t('review.legacy.title'), p(text.t('review.legacy.body')));
      },
    );

    app.get(
      '/r/:token',
      deps.linkOptions('A review link: the review target (after recording the click) or the review page'),
      async (request, reply) => {
        const found = await open(request, reply, (request.params as { token: string }).token);
        if ('page' in found) return found.page;
        const { link, text, subject } = found;
        if (Date.now() > link.expiresAt) return expired(reply, found);
        if (deps.reviewUrlTemplate) {
          // The click is the customer's way to the review site: recorded once, before leaving.
          if (subject) await recordReviewClick(deps, subject, link, new Date());
          return reply
            .status(303)
            .header('cache-control', 'no-store')
            .header('referrer-policy', 'no-referrer')
            .redirect(fillReviewTarget(deps.reviewUrlTemplate, { orderId: link.orderId, itemId: link.itemId }), 303);
        }
        // The built-in page: the form only, nothing recorded until the customer sends it.
        const already = subject ? await submittedReview(deps.db, link) : null;
        if (already) return show(reply, 200, text, text.t('review.thanks.title'), p(text.t('review.already.body')));
        return show(reply, 200, text, text.t('review.title'), form(text, link, questions(found), [], null), link.preview);
      },
    );

    app.post(
      '/r/:token',
      deps.linkOptions('Record a review from the review page (a star rating and a text per item)'),
      async (request, reply) => {
        const found = await open(request, reply, (request.params as { token: string }).token);
        if ('page' in found) return found.page;
        const { link, text, subject } = found;
        if (Date.now() > link.expiresAt) return expired(reply, found);
        const fields = formFields(request);
        const asked = questions(found);
        const ratings: SubmittedReview[] = asked.map((item, index) => {
          const rating = fields[`rating-${index}`];
          return {
            itemId: item?.itemId ?? null,
            rating: rating !== undefined && /^[1-5]$/.test(rating) ? Number(rating) : 0,
            text: fields[`text-${index}`]?.trim().slice(0, REVIEW_TEXT_LIMIT) || null,
          };
        });
        const thanks = () => show(reply, 200, text, text.t('review.thanks.title'), p(text.t('review.thanks.body')), link.preview);
        const retry = () =>
          show(reply, 400, text, text.t('review.title'), form(text, link, asked, ratings, text.t('review.norating')), link.preview);
        if (!subject) return ratings.some((review) => review.rating > 0) ? thanks() : retry();
        const result = await submitReview(deps, { subject, link, at: new Date(), ratings });
        if (result.status === 'no_rating') return retry();
        if (result.status === 'already_submitted')
          return show(reply, 200, text, text.t('review.thanks.title'), p(text.t('review.already.body')));
        return thanks();
      },
    );
  };
