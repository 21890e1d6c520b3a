// Nothing a customer clicks is a dead end: every link of every shipped template's preview, in every
// shipped language, with sample data and with a real customer's, is followed against a running API
// server, and none answers 404 or 5xx. Preview links open the same pages the customer would see,
// marked as a preview, and record nothing. The business's look (logo, accent colour, footer) is in
// every email and on every page; configuration refuses a look it cannot show.
import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiKey } from '../../api/api-keys.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { ingestEvents } from '../../ingestion/ingest.ts';
import { ConfigError, loadConfig } from '../../runtime/config.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { customerUpserted, orderPlaced } from '../support/events.ts';

const KEY = 'ak_template_links_test_0000000000000000';
const LOGO = 'https://cdn.northwind.example/logo.png';
const brand = { logoUrl: LOGO, accent: '#0f766e', footer: 'Open Monday to Friday, 9:00-17:00' };
const languages = ['en', 'fr', 'de'] as const;

let database: TestDatabase;
let app: ApiServer;
let base = '';

/** A port nothing listens on, so that the server's public URL is its own address. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  database = await createTestDatabase();
  await registerApiKey(database.db, KEY, 'test');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  app = await buildApiServer({
    db: database.db,
    temporal: null,
    route: null,
    logger: pino({ level: 'silent' }),
    publicUrl: base,
    secret: 'template-links-secret-0123456789abcdefghijkl',
    business: { name: 'Northwind Outfitters', address: '1 Harbour Street, Bristol' },
    customerFacing: { brand },
    rateLimits: false,
  });
  await app.listen({ port, host: '127.0.0.1' });
  for (const language of languages) {
    await ingestEvents({ db: database.db, route: null }, [
      customerUpserted(`reader-${language}`, {
        name: 'Ada Lovelace',
        locale: language,
        timezone: 'Europe/Paris',
        consent: { marketing: true },
      }),
      orderPlaced(`reader-${language}`, `order-${language}`, {
        items: [
          { sku: 'MUG-1', name: 'Blue mug', quantity: 1, price: 12 },
          { name: 'Tea towel', quantity: 2, price: 9 },
        ],
      }),
    ]);
  }
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const api = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
};

const decodeEntities = (text: string) =>
  text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&amp;/g, '&');

/** Every link a customer could follow: the HTML's hrefs and the URLs of the plain text. */
function linksOf(email: { html: string; text: string }): string[] {
  const hrefs = [...email.html.matchAll(/href="([^"]*)"/g)].map((match) => decodeEntities(match[1] as string));
  const texts = [...email.text.matchAll(/https?:\/\/[^\s<>"]+/g)].map((match) => match[0]);
  return [...new Set([...hrefs, ...texts])];
}

describe('every link of every shipped template', () => {
  it('leads somewhere: none answers 404 or 5xx, in every language, with sample data and with a customer', async () => {
    const { json } = await api('GET', '/v1/templates');
    const names = (json['templates'] as { name: string }[]).map((template) => template.name);
    expect(names.length).toBeGreaterThanOrEqual(6);
    const followed: string[] = [];
    const problems: string[] = [];
    for (const name of names) {
      for (const language of languages) {
        const survey = name === 'checkin' ? { survey: 'csat' } : {};
        for (const request of [
          { locale: language, ...survey },
          { customerId: `reader-${language}`, orderId: `order-${language}`, ...survey },
        ]) {
          const preview = await api('POST', `/v1/templates/${name}/preview`, request);
          expect([name, request, preview.status]).toEqual([name, request, 200]);
          const email = preview.json as { html: string; text: string; locale: string };
          expect(email.locale).toBe(language);
          // The business's look is in every email.
          expect(email.html).toContain(`<img src="${LOGO}"`);
          expect(email.html).toContain('#0f766e');
          expect(email.html).toContain(brand.footer);
          expect(email.text).toContain(brand.footer);
          const links = linksOf(email);
          if (name === 'review-request' || name === 'checkin' || name.startsWith('winback')) expect(links.length).toBeGreaterThan(0);
          for (const link of links) {
            const where = `${name} (${language}, ${'customerId' in request ? 'customer' : 'sample'}): ${link}`;
            if (!link.startsWith(`${base}/`)) {
              problems.push(`${where} leads off the engine`);
              continue;
            }
            const response = await fetch(link, { redirect: 'manual', headers: { 'accept-language': language } });
            const page = await response.text();
            followed.push(link);
            if (response.status === 404 || response.status >= 500) problems.push(`${where} answered ${response.status}`);
            // A preview's page is the customer's, in their language and look, marked as a preview.
            else if (response.status === 200) {
              expect([where, page]).toEqual([where, expect.stringContaining(`<html lang="${language}">`)]);
              expect([where, page]).toEqual([where, expect.stringContaining('class="preview"')]);
              expect([where, page]).toEqual([where, expect.stringContaining(`src="${LOGO}"`)]);
              expect([where, page]).toEqual([where, expect.stringContaining(brand.footer)]);
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
    // The survey's five answers, the review button and the unsubscribe links, in three languages.
    expect(followed.length).toBeGreaterThan(50);
    expect(followed.some((link) => link.includes('/r/'))).toBe(true);
    expect(followed.some((link) => link.includes('/s/'))).toBe(true);
    expect(followed.some((link) => link.includes('/u/'))).toBe(true);
    // Following them recorded nothing.
    expect(
      await database.db.event.count({
        where: { type: { in: ['review.clicked', 'review.submitted', 'survey.answered', 'customer.unsubscribed'] } },
      }),
    ).toBe(0);
    expect(await database.db.suppression.count()).toBe(0);
  });

  it('a preview page takes a POST and records nothing', async () => {
    const preview = await api('POST', '/v1/templates/review-request/preview', { customerId: 'reader-en', orderId: 'order-en' });
    const review = linksOf(preview.json as { html: string; text: string }).find((link) => link.includes('/r/'))!;
    const posted = await fetch(review, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'rating-0=5',
    });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toContain('Thank you for your review');
    const unsubscribe = linksOf(preview.json as { html: string; text: string }).find((link) => link.includes('/u/'))!;
    const oneClick = await fetch(unsubscribe, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);
    expect(await database.db.event.count({ where: { type: { in: ['review.submitted', 'customer.unsubscribed'] } } })).toBe(0);
    const reader = await database.db.customer.findUniqueOrThrow({ where: { externalId: 'reader-en' } });
    expect(reader.consent).toEqual({ marketing: true });
  });
});

describe('configuration of the look and the review target', () => {
  it('refuses an unsafe logo, a colour that is not #rrggbb and an unsafe review target, each with one sentence', () => {
    for (const [variable, value, sentence] of [
      ['BRAND_LOGO_URL', 'http://shop.example/logo.png', 'BRAND_LOGO_URL must be an https URL'],
      ['BRAND_LOGO_URL', 'javascript:alert(1)', 'BRAND_LOGO_URL must be an https URL'],
      ['BRAND_ACCENT', 'teal', 'BRAND_ACCENT must be a colour written #rrggbb'],
      ['BRAND_ACCENT', '#0f766', 'BRAND_ACCENT must be a colour written #rrggbb'],
      ['REVIEW_URL_TEMPLATE', 'http://reviews.example.com/{order}', 'REVIEW_URL_TEMPLATE must be an https URL'],
      ['REVIEW_URL_TEMPLATE', 'https://reviews.example.com/{orderId}', 'REVIEW_URL_TEMPLATE must be an https URL'],
      ['UNSUBSCRIBE_MAILTO', 'not an address', 'UNSUBSCRIBE_MAILTO must be an email address'],
    ] as const) {
      expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [variable]: value })).toThrow(sentence);
    }
  });

  it('takes a good look and target as given', () => {
    const config = loadConfig({
      BRAND_LOGO_URL: LOGO,
      BRAND_ACCENT: '#0F766E',
      BRAND_FOOTER: brand.footer,
      REVIEW_URL_TEMPLATE: 'https://reviews.example.com/shop/{order}?item={item}',
      UNSUBSCRIBE_MAILTO: 'unsubscribe@northwind.example',
    });
    expect(config.brand).toEqual(brand);
    expect(config.reviewUrlTemplate).toBe('https://reviews.example.com/shop/{order}?item={item}');
    expect(config.unsubscribeMailto).toBe('unsubscribe@northwind.example');
    expect(loadConfig({}).brand).toEqual({ logoUrl: null, accent: '#2563eb', footer: null });
  });
});
