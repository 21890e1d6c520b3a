// Review links, email choices and the brand, as pure rules.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../../core/journey/simulator.ts';
import { brandRenderData, textOnAccent } from '../../../core/messaging/brand.ts';
import { choiceSkipReason, messageKind } from '../../../core/messaging/preferences.ts';
import { compileTemplate, signedLinksKey } from '../../../core/messaging/render.ts';
import {
  fillReviewTarget,
  itemReference,
  reviewLinkFromToken,
  reviewLinkSigner,
  reviewToken,
} from '../../../core/messaging/review-links.ts';
import { definition } from '../../support/journeys.ts';

const SECRET = 'review-links-secret-0123456789abcdefghijkl';
const signer = reviewLinkSigner({
  secret: SECRET,
  publicUrl: 'https://care.example/',
  customerId: 'row-1',
  issuedAt: Date.UTC(2026, 0, 1),
});
const tokenOf = (url: string) => reviewLinkFromToken(SECRET, url.slice('https://care.example/r/'.length));

describe('review links', () => {
  it('name the customer row, the order and the item, and expire 120 days after the email', () => {
    const order = { id: 'A-1', items: [{ sku: 'MUG', name: 'Mug' }, { name: 'Towel' }] };
    expect(tokenOf(signer.review(order, undefined, undefined))).toEqual({
      customerId: 'row-1',
      orderId: 'A-1',
      itemId: null,
      expiresAt: Date.UTC(2026, 0, 1) + 120 * 86_400_000,
      preview: false,
      locale: null,
    });
    expect(tokenOf(signer.review(order, order.items[0], 0))?.itemId).toBe('MUG');
    expect(tokenOf(signer.review(order, order.items[1], 1))?.itemId).toBe('2'); // no SKU: its position
    expect(tokenOf(signer.review(null, undefined, undefined))).toMatchObject({ orderId: null, itemId: null });
  });

  it('are refused when altered, or signed for another purpose or key', () => {
    const token = reviewToken(SECRET, { customerId: 'row-1', orderId: 'A-1', itemId: null, expiresAt: 1e12 });
    expect(reviewLinkFromToken(SECRET, token)).not.toBeNull();
    expect(reviewLinkFromToken(`${SECRET}x`, token)).toBeNull();
    expect(reviewLinkFromToken(SECRET, `${token}x`)).toBeNull();
    expect(itemReference({ sku: '  ' }, 4)).toBe('5');
  });

  it('are what {{reviewLink order}} and {{reviewLink @root.order this}} print, and the signer itself cannot be printed', () => {
    const template = compileTemplate({
      name: 'probe',
      subject: 'x',
      html: '{{reviewLink order}}|{{#each order.items}}{{reviewLink @root.order this}};{{/each}}',
      text: '{{reviewLink order}}',
      partials: {},
    });
    const order = { id: 'A-1', items: [{ sku: 'MUG', name: 'Mug' }, { name: 'Towel' }] };
    const rendered = template.render({ locale: 'en', timezone: 'UTC', order, [signedLinksKey]: signer });
    const [whole, items] = rendered.html.split('|') as [string, string];
    expect(tokenOf(whole)?.itemId).toBeNull();
    expect(
      items
        .split(';')
        .filter(Boolean)
        .map((url) => tokenOf(url)?.itemId),
    ).toEqual(['MUG', '2']);
    expect(rendered.text).not.toContain(SECRET);
    expect(() => template.render({ locale: 'en', timezone: 'UTC', order })).toThrow(/reviewLink needs the signed links/);
  });

  it('lead to the business target with the references URL-encoded', () => {
    const target = 'https://reviews.example.com/shop/{order}?item={item}';
    expect(fillReviewTarget(target, { orderId: 'A 1/2', itemId: 'SKU&1' })).toBe('https://reviews.example.com/shop/A%201%2F2?item=SKU%261');
    expect(fillReviewTarget(target, { orderId: 'A-1', itemId: null })).toBe('https://reviews.example.com/shop/A-1?item=');
  });
});

describe('email choices', () => {
  it('sort messages into marketing, check-ins (a survey) and service messages', () => {
    expect(messageKind({ category: 'marketing', surveyKind: 'csat' })).toBe('marketing');
    expect(messageKind({ category: 'transactional', surveyKind: 'csat' })).toBe('checkins');
    expect(messageKind({ category: 'transactional', surveyKind: null })).toBe('service');
  });

  it('need a yes for marketing, a no stops check-ins, and nothing stops a service message', () => {
    expect(choiceSkipReason('marketing', {}, false)).toBe('no_marketing_consent');
    expect(choiceSkipReason('marketing', { marketing: true }, false)).toBeNull();
    expect(choiceSkipReason('checkins', {}, false)).toBeNull();
    expect(choiceSkipReason('checkins', { checkins: false }, false)).toBe('unsubscribed_from_checkins');
    expect(choiceSkipReason('checkins', { checkins: true }, true)).toBe('unsubscribed');
    expect(choiceSkipReason('service', { marketing: false, checkins: false }, true)).toBeNull();
  });
});

describe('a simulated check-in', () => {
  const checkin = definition({
    key: 'checkin-sim',
    name: 'Check-in',
    trigger: { event: 'order.placed' },
    entity: 'order',
    category: 'transactional',
    steps: [{ id: 'ask', send: { template: 'checkin', survey: { kind: 'csat' } } }],
  });
  const start = Date.UTC(2026, 5, 3, 12);

  it('is skipped, with the reason, for a customer who said no to check-ins, as a real send is', () => {
    const declined = simulate({ definition: checkin, customer: { timezone: 'UTC', consent: { checkins: false } }, start, days: 1 });
    expect(declined.sent).toEqual([]);
    expect(declined.timeline.find((entry) => entry.kind === 'send')?.detail?.reason).toBe('unsubscribed_from_checkins');
    expect(simulate({ definition: checkin, customer: { timezone: 'UTC' }, start, days: 1 }).sent).toHaveLength(1);
  });
});

describe('the brand', () => {
  it('reads on its accent: white text on dark colours, dark text on light ones', () => {
    expect(textOnAccent('#0f766e')).toBe('#ffffff');
    expect(textOnAccent('#2563eb')).toBe('#ffffff');
    expect(textOnAccent('#fde047')).toBe('#111827');
    expect(brandRenderData()).toEqual({ logo: '', accent: '#2563eb', onAccent: '#ffffff', footer: '' });
  });
});
