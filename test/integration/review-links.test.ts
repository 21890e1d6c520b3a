// Reviews that land. The "Write a review" button of the review request is a link signed for the order:
// with a review target configured it records the click (`review.clicked`, once) and sends the customer
// there with the order and item filled in; without one, it opens a review page in the customer's
// language (a star rating and a text per item) whose GET records nothing and whose POST records
// `review.submitted`, the review-request journey's goal. Forged, expired and other-purpose links change
// nothing and get a friendly page. GET /v1/reviews lists the reviews, page by page or as CSV.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyActivities } from '../../activities/journey-activities.ts';
import { registerApiKey } from '../../api/api-keys.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { reviewToken } from '../../core/messaging/review-links.ts';
import { signToken } from '../../core/messaging/tokens.ts';
import { unsubscribeToken } from '../../core/messaging/unsubscribe-links.ts';
import type { RoutableEvent, RouteEvents } from '../../core/routing/ports.ts';
import { publishShippedJourneys } from '../../journey-store/journey-versions.ts';
import { OutboxTransport } from '../../messaging/outbox-transport.ts';
import { TemplateStore } from '../../messaging/template-store.ts';
import type { Database } from '../../runtime/database.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { customerUpserted, orderEvent, orderPlaced } from '../support/events.ts';
import { createJourneyHarness, DAY, type JourneyHarness } from '../support/journey-harness.ts';
import { testActivityConfig } from '../support/temporal.ts';

const SECRET = testActivityConfig.secret;
const KEY = 'ak_reviews_test_000000000000000000000000';
const TARGET = 'https://reviews.example.com/shop/{order}?item={item}';
const silent = pino({ level: 'silent' });
/** 11:00 UTC today, or yesterday before that: outside quiet hours. */
const AT = (() => {
  const today = new Date();
  today.setUTCHours(11, 0, 0, 0);
  return today.getTime() > Date.now() ? today.getTime() - DAY : today.getTime();
})();

let database: TestDatabase;
let db: Database;
/** Review links open the built-in review page. */
let pages: ApiServer;
/** Review links lead to the business's review site. */
let redirecting: ApiServer;
const routed: RoutableEvent[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await publishShippedJourneys(db);
  await registerApiKey(db, KEY, 'test');
  const route: RouteEvents = async (events) => {
    routed.push(...events);
    await db.event.updateMany({ where: { id: { in: events.map((event) => event.id) } }, data: { routedAt: new Date() } });
  };
  const base = {
    db,
    temporal: null,
    route,
    logger: silent,
    publicUrl: 'https://aftercare.test',
    secret: SECRET,
    rateLimits: false as const,
  };
  pages = await buildApiServer({ ...base, business: { name: 'Northwind Outfitters', address: '1 Harbour Street' } });
  redirecting = await buildApiServer({ ...base, customerFacing: { reviewUrlTemplate: TARGET } });
});

afterAll(async () => {
  await pages?.close();
  await redirecting?.close();
  await database?.drop();
});

let counter = 0;
/** A review request for a two-item order, sent by the real send activity; the link is the email's own. */
async function reviewRequest(options: { locale?: string; items?: object[] } = {}) {
  const name = `reviewer-${++counter}`;
  const customer = await db.customer.create({
    data: {
      externalId: name,
      email: `${name}@example.com`,
      name: 'Grace Hopper',
      consent: { marketing: true },
      ...(options.locale ? { locale: options.locale } : {}),
    },
  });
  const orderId = `${name}-o1`;
  const items = options.items ?? [
    { sku: 'MUG-1', name: 'Blue mug', quantity: 1, price: 12 },
    { name: 'Linen tea towel', quantity: 2, price: 9 },
  ];
  await db.order.create({
    data: { externalId: orderId, customerId: customer.id, total: 30, currency: 'EUR', items, placedAt: new Date(AT - 9 * DAY) },
  });
  const enrollment = await db.enrollment.create({
    data: {
      workflowId: `test/review/${name}`,
      journeyKey: 'review-request',
      version: 1,
      customerId: customer.id,
      entityKey: `order:${orderId}`,
    },
  });
  const activities = createJourneyActivities({
    db,
    transport: new OutboxTransport(db),
    templates: new TemplateStore(),
    config: testActivityConfig,
  });
  const result = await activities.sendJourneyMessage({
    enrollmentId: enrollment.id,
    stepId: 'review-email',
    template: 'review-request',
    survey: null,
    category: 'marketing',
    priority: 50,
    notAfter: AT + 2 * DAY,
    at: AT,
  });
  expect(result.outcome).toBe('sent');
  const message = await db.message.findUniqueOrThrow({ where: { id: result.messageId! } });
  // The button's link, for the whole order: in the text as in the HTML (whose items link to their own).
  const link = /https:\/\/aftercare\.test(\/r\/\S+)/.exec(message.text ?? '')?.[1];
  if (!link) throw new Error('the review request has no review link');
  expect(message.html).toContain(`href="https://aftercare.test${link}"`);
  return { customer, orderId, link, message };
}

const form = (app: ApiServer, url: string, body: string) =>
  app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body });
const eventsOf = (customerId: string, type: string) => db.event.findMany({ where: { customerId, type }, orderBy: { occurredAt: 'asc' } });

describe('a review link with a review target configured', () => {
  it('records the click once and redirects (303) to the target with the order filled in', async () => {
    const { customer, orderId, link } = await reviewRequest();
    expect(link).not.toContain('/review'); // the old dead link
    for (let i = 0; i < 2; i++) {
      const response = await redirecting.inject({ method: 'GET', url: link });
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe(`https://reviews.example.com/shop/${orderId}?item=`);
    }
    const clicks = await eventsOf(customer.id, 'review.clicked');
    expect(clicks.map((event) => event.properties)).toEqual([{ orderId }]);
    expect(routed.filter((event) => event.type === 'review.clicked' && event.customerRowId === customer.id)).toHaveLength(1);
  });

  it('fills in the item of a link signed for one item, URL-encoded', async () => {
    const { customer, orderId } = await reviewRequest({ items: [{ sku: 'TEA/TOWEL 2', name: 'Tea towel', quantity: 1 }] });
    const token = reviewToken(SECRET, { customerId: customer.id, orderId, itemId: 'TEA/TOWEL 2', expiresAt: Date.now() + DAY });
    const response = await redirecting.inject({ method: 'GET', url: `/r/${token}` });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`https://reviews.example.com/shop/${orderId}?item=TEA%2FTOWEL%202`);
    expect((await eventsOf(customer.id, 'review.clicked')).map((event) => event.properties)).toEqual([{ orderId, itemId: 'TEA/TOWEL 2' }]);
  });
});

describe('the built-in review page (no target configured)', () => {
  it('GET and HEAD show a star rating and a text box per item, and record nothing', async () => {
    const { customer, link } = await reviewRequest();
    const page = await pages.inject({ method: 'GET', url: link });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<legend>Your rating of Blue mug</legend>');
    expect(page.body).toContain('<legend>Your rating of Linen tea towel</legend>');
    // An accessible radio group: each star count is a labelled radio, the stars hidden from screen readers.
    for (const count of [1, 2, 3, 4, 5]) expect(page.body).toContain(`name="rating-0" value="${count}"`);
    expect(page.body).toContain('<span class="sr-only">4 out of 5 stars</span>');
    expect(page.body).toContain('name="text-1"');
    expect((await pages.inject({ method: 'HEAD', url: link })).statusCode).toBe(200);
    expect(await db.event.count({ where: { customerId: customer.id, type: { in: ['review.clicked', 'review.submitted'] } } })).toBe(0);
  });

  it('POST records review.submitted with a rating and a text per item, once', async () => {
    const { customer, orderId, link } = await reviewRequest();
    const thanks = await form(pages, link, 'rating-0=5&text-0=Lovely+mug%2C+keeps+tea+hot&rating-1=3&text-1=');
    expect(thanks.statusCode).toBe(200);
    expect(thanks.body).toContain('Thank you for your review');
    const [submitted, ...more] = await eventsOf(customer.id, 'review.submitted');
    expect(more).toEqual([]);
    expect(submitted?.properties).toEqual({
      orderId,
      rating: 4,
      items: [
        { itemId: 'MUG-1', name: 'Blue mug', rating: 5, text: 'Lovely mug, keeps tea hot' },
        { itemId: '2', name: 'Linen tea towel', rating: 3, text: null },
      ],
      source: 'aftercare',
    });
    expect(routed.filter((event) => event.id === submitted?.id)).toMatchObject([{ type: 'review.submitted', properties: { orderId } }]);
    // A second POST, and the page afterwards, thank the customer and change nothing.
    expect((await form(pages, link, 'rating-0=1')).body).toContain('We already have your review');
    expect((await pages.inject({ method: 'GET', url: link })).body).toContain('We already have your review');
    expect(await eventsOf(customer.id, 'review.submitted')).toHaveLength(1);
  });

  it('asks again, keeping what was written, when no star was chosen', async () => {
    const { customer, link } = await reviewRequest();
    const again = await form(pages, link, 'text-0=Nice&rating-1=9');
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('Please choose a number of stars');
    expect(again.body).toContain('>Nice</textarea>');
    expect(await eventsOf(customer.id, 'review.submitted')).toHaveLength(0);
  });

  it('speaks the customer language: French and German pages', async () => {
    const french = await reviewRequest({ locale: 'fr-FR' });
    const page = await pages.inject({ method: 'GET', url: french.link });
    expect(page.body).toContain('<html lang="fr">');
    expect(page.body).toContain('Votre note pour Blue mug');
    expect(page.body).toContain('4 étoiles sur 5');
    expect(page.body).toContain('Envoyer mon avis');
    expect((await form(pages, french.link, 'rating-0=4')).body).toContain('Merci pour votre avis');
    const german = await reviewRequest({ locale: 'de-AT' });
    const seite = await pages.inject({ method: 'GET', url: german.link });
    expect(seite.body).toContain('<html lang="de">');
    expect(seite.body).toContain('Ihre Bewertung von Linen tea towel');
    expect(seite.body).toContain('Bewertung senden');
  });
});

describe('links that are not genuine review links', () => {
  it('forged, altered and other-purpose tokens get a friendly page and change nothing', async () => {
    const { customer, orderId, link } = await reviewRequest();
    const genuine = link.slice('/r/'.length);
    const [body, signature] = genuine.split('.') as [string, string];
    const forged = [
      `${Buffer.from(JSON.stringify({ c: customer.id, o: 'someone-elses-order', x: 9e9 })).toString('base64url')}.${signature}`,
      `${body}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`,
      signToken('another-secret-0123456789abcdefghijklmnop', 'review', { c: customer.id, o: orderId, x: 9e9 }),
      signToken(SECRET, 'survey', { c: customer.id, o: orderId, x: 9e9 }),
      unsubscribeToken(SECRET, customer.id),
      'not-a-token',
    ];
    for (const token of forged) {
      for (const app of [pages, redirecting]) {
        const get = await app.inject({ method: 'GET', url: `/r/${encodeURIComponent(token)}` });
        expect([token, get.statusCode]).toEqual([token, 400]);
        expect(get.body).toContain('This link does not work');
        expect((await form(app, `/r/${encodeURIComponent(token)}`, 'rating-0=5')).statusCode).toBe(400);
      }
    }
    expect(await db.event.count({ where: { customerId: customer.id, type: { startsWith: 'review.' } } })).toBe(0);
  });

  it('an expired link says so, records no click and takes no review', async () => {
    const { customer, orderId } = await reviewRequest();
    const token = reviewToken(SECRET, { customerId: customer.id, orderId, itemId: null, expiresAt: Date.now() - 1000 });
    for (const app of [pages, redirecting]) {
      const page = await app.inject({ method: 'GET', url: `/r/${token}` });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('This review link has expired');
      expect((await form(app, `/r/${token}`, 'rating-0=5')).body).toContain('This review link has expired');
    }
    expect(await db.event.count({ where: { customerId: customer.id, type: { startsWith: 'review.' } } })).toBe(0);
  });

  it('a genuine link to an order that is not the customer’s answers with a friendly page', async () => {
    const { customer } = await reviewRequest();
    const token = reviewToken(SECRET, { customerId: customer.id, orderId: 'no-such-order', itemId: null, expiresAt: Date.now() + DAY });
    const page = await pages.inject({ method: 'GET', url: `/r/${token}` });
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('We could not find this order');
  });
});

describe('the review button of emails sent before review links were signed', () => {
  it('still leads somewhere: the review site, or a page in the reader language saying where the working link is', async () => {
    const target = await redirecting.inject({ method: 'GET', url: '/review' });
    expect(target.statusCode).toBe(303);
    expect(target.headers.location).toBe('https://reviews.example.com/shop/?item=');
    const page = await pages.inject({ method: 'GET', url: '/review', headers: { 'accept-language': 'fr-FR,fr;q=0.9' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Merci de vouloir donner votre avis');
  });
});

describe('GET /v1/reviews', () => {
  const get = (url: string, headers: Record<string, string> = {}) =>
    pages.inject({ method: 'GET', url, headers: { authorization: `Bearer ${KEY}`, ...headers } });

  it('lists reviews newest first, one row per item, page by page with a cursor, and as CSV', async () => {
    const first = await reviewRequest();
    await form(pages, first.link, 'rating-0=5&text-0=Great&rating-1=2&text-1=%3DHYPERLINK(%22x%22)%2C+"quoted"');
    const second = await reviewRequest();
    await form(pages, second.link, 'rating-1=4');
    // A review the business sent itself, from its own platform: one row, no item.
    await db.event.create({
      data: {
        id: 'external-review',
        type: 'review.submitted',
        customerId: second.customer.id,
        occurredAt: new Date(Date.now() + 60_000),
        properties: { orderId: second.orderId, rating: 3 },
      },
    });
    const mine = (url: string) => get(`${url}${url.includes('?') ? '&' : '?'}customerId=${first.customer.externalId}`);
    const all = await mine('/v1/reviews');
    expect(all.statusCode).toBe(200);
    expect(all.json().reviews).toEqual([
      expect.objectContaining({
        customerId: first.customer.externalId,
        orderId: first.orderId,
        itemId: 'MUG-1',
        itemName: 'Blue mug',
        rating: 5,
        text: 'Great',
        source: 'aftercare',
      }),
      expect.objectContaining({ itemId: '2', itemName: 'Linen tea towel', rating: 2, text: '=HYPERLINK("x"), "quoted"' }),
    ]);

    const everyone = (await get('/v1/reviews?limit=500')).json().reviews as { orderId: string; itemId: string | null; rating: number }[];
    expect(everyone[0]).toMatchObject({ orderId: second.orderId, itemId: null, rating: 3 }); // newest first
    // Page by page, the same rows in the same order, none twice.
    const paged: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page = (await get(`/v1/reviews?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json() as {
        reviews: unknown[];
        nextCursor: string | null;
      };
      expect(page.reviews.length).toBeLessThanOrEqual(2);
      paged.push(...page.reviews);
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(everyone);

    const csv = await get(`/v1/reviews?customerId=${first.customer.externalId}`, { accept: 'text/csv' });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('at,customerId,customerEmail,orderId,itemId,itemName,rating,text,source');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(`,${first.customer.externalId},${first.customer.email},${first.orderId},MUG-1,Blue mug,5,Great,aftercare`);
    // A text a spreadsheet would run as a formula is defused; quotes and commas are quoted.
    expect(lines[2]).toContain(`,2,Linen tea towel,2,"'=HYPERLINK(""x""), ""quoted""",aftercare`);
    expect((await mine('/v1/reviews?format=csv')).body).toBe(csv.body);
  });

  it('refuses a bad limit or cursor with the field, and asks for a key', async () => {
    expect((await get('/v1/reviews?limit=0')).json()).toMatchObject({ error: { field: 'limit' } });
    expect((await get('/v1/reviews?cursor=nope')).json()).toMatchObject({ error: { field: 'cursor' } });
    expect((await pages.inject({ method: 'GET', url: '/v1/reviews' })).statusCode).toBe(401);
  });
});

describe('the review request journey', () => {
  let h: JourneyHarness;
  let app: ApiServer;

  beforeAll(async () => {
    h = await createJourneyHarness('review-links');
    app = await buildApiServer({
      db: h.db,
      temporal: h.env.client,
      route: h.router.routeEvents,
      logger: silent,
      publicUrl: testActivityConfig.publicUrl,
      secret: SECRET,
    });
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('ends through its goal when the customer writes the review on the built-in page', async () => {
    await h.send(
      customerUpserted('delighted', { name: 'Grace Hopper', timezone: 'Europe/Paris', locale: 'fr-FR', consent: { marketing: true } }),
      orderPlaced('delighted', 'o-delighted', { items: [{ sku: 'LAMP', name: 'Lampe', quantity: 1, price: 80 }] }),
    );
    await h.env.sleep(DAY);
    await h.send(orderEvent('order.delivered', 'delighted', 'o-delighted'));
    const checkin = await h.until(async () =>
      (await h.messages('checkin')).find((m) => m.toAddress === 'delighted@example.com' && m.status === 'sent'),
    );
    await h.answerSurvey(checkin.id, 5);
    const request = await h.until(async () => (await h.messages('review-request')).find((m) => m.toAddress === 'delighted@example.com'));
    expect(request.status).toBe('sent');
    const link = /https:\/\/aftercare\.test(\/r\/\S+)/.exec(request.text ?? '')?.[1];
    expect(link).toBeTruthy();

    const page = await app.inject({ method: 'GET', url: link! });
    expect(page.body).toContain('Votre note pour Lampe');
    const review = h.workflow('review-request', 'delighted', 'order:o-delighted');
    expect((await review.describe()).status.name).toBe('RUNNING');
    const posted = await form(app, link!, 'rating-0=5&text-0=Parfaite');
    expect(posted.statusCode).toBe(200);
    expect(await review.result()).toBe('goal_reached');
    const enrollment = await h.db.enrollment.findFirstOrThrow({
      where: { journeyKey: 'review-request', customer: { externalId: 'delighted' } },
    });
    expect(enrollment.status).toBe('goal_reached');
    expect(await h.messages('review-request')).toHaveLength(1); // the reminder never went out
  });
});
