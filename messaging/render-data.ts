// The data every template is rendered with, built in one place for the send activity, for the
// preview endpoint and for the publish-time template checks, so a preview shows exactly what the
// customer would get and a check sees exactly what a send will give.

import { type Brand, brandRenderData } from '../core/messaging/brand.ts';
import { messageKind } from '../core/messaging/preferences.ts';
import { type RenderContext, signedLinksKey } from '../core/messaging/render.ts';
import { reviewLinkSigner } from '../core/messaging/review-links.ts';
import type { TemplateUse } from '../core/messaging/template-variables.ts';
import { signToken } from '../core/messaging/tokens.ts';
import { unsubscribeToken } from '../core/messaging/unsubscribe-links.ts';
import type { Database } from '../runtime/database.ts';
import type { TemplateMeta } from './template-store.ts';

export type RenderSettings = { secret: string; publicUrl: string; businessName: string; businessAddress: string; brand?: Brand };

export type RenderSubject = {
  customer: { id: string; name: string | null; email: string | null; attributes: unknown };
  order: { externalId: string; total: unknown; currency: string; items: unknown; placedAt: Date } | null;
  ownerName: string | null;
  locale: string;
  timezone: string;
  category: 'marketing' | 'transactional';
  survey: { kind: 'csat' | 'nps'; messageId: string } | null;
  /** The email's time (the workflow's clock at a send): review links expire a while after it. */
  issuedAt?: number;
  /** A template preview: its links open pages that show what the customer would see and record nothing. */
  preview?: boolean;
};

export function surveyLinks(settings: RenderSettings, kind: 'csat' | 'nps', messageId: string, preview?: { locale: string }) {
  const scores = kind === 'csat' ? [1, 2, 3, 4, 5] : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  return {
    kind,
    question: kind === 'csat' ? 'How happy are you with your order?' : 'How likely are you to recommend us to a friend?',
    options: scores.map((score) => ({
      score,
      label: String(score),
      url: `${settings.publicUrl}/s/${signToken(settings.secret, 'survey', { m: messageId, s: score, ...(preview ? { p: 1, l: preview.locale, k: kind } : {}) })}`,
    })),
  };
}

export function renderData(settings: RenderSettings, subject: RenderSubject): RenderContext {
  const { customer, order } = subject;
  const preview = subject.preview ? { locale: subject.locale } : undefined;
  // The kind of email decides what its unsubscribe link offers first, and whether the layout shows it.
  const kind = messageKind({ category: subject.category, surveyKind: subject.survey?.kind ?? null });
  const links = reviewLinkSigner({
    secret: settings.secret,
    publicUrl: settings.publicUrl,
    customerId: customer.id,
    // A preview has no send time: today's start, so the same preview renders the same links all day.
    issuedAt: subject.issuedAt ?? Math.floor(Date.now() / 86_400_000) * 86_400_000,
    ...(preview ? { preview: true, locale: preview.locale } : {}),
  });
  const orderData = order
    ? { id: order.externalId, total: Number(order.total), currency: order.currency, items: order.items, placedAt: order.placedAt }
    : null;
  const reviewUrl = links.review(orderData, undefined, undefined);
  return {
    locale: subject.locale,
    timezone: subject.timezone,
    category: subject.category,
    customer: { name: customer.name ?? '', email: customer.email ?? '', attributes: customer.attributes },
    order: orderData,
    // No owner: an empty name, and each template words that in its own language.
    owner: { name: subject.ownerName ?? '' },
    // reviewUrl: the order's signed review link (templates written before {{reviewLink}} keep working).
    business: { name: settings.businessName, address: settings.businessAddress, reviewUrl },
    brand: brandRenderData(settings.brand),
    // Marketing and check-ins carry an unsubscribe link; service messages (an apology) do not need one.
    unsubscribable: kind !== 'service',
    links: {
      unsubscribe: `${settings.publicUrl}/u/${unsubscribeToken(settings.secret, customer.id, kind === 'checkins' ? 'checkins' : 'marketing', preview)}`,
      review: reviewUrl,
    },
    ...(subject.survey ? { survey: surveyLinks(settings, subject.survey.kind, subject.survey.messageId, preview) } : {}),
    [signedLinksKey]: links,
  };
}

/** A stored customer as a template would see them, with their latest order (or the one named). */
export async function loadRenderSubject(
  db: Database,
  options: { externalCustomerId: string; orderId?: string; defaults: { locale: string; timezone: string } },
): Promise<Omit<RenderSubject, 'category' | 'survey'> | null> {
  const customer = await db.customer.findUnique({ where: { externalId: options.externalCustomerId } });
  if (!customer) return null;
  const [order, owner] = await Promise.all([
    options.orderId
      ? db.order.findFirst({ where: { externalId: options.orderId, customerId: customer.id } })
      : db.order.findFirst({ where: { customerId: customer.id }, orderBy: { placedAt: 'desc' } }),
    customer.ownerId ? db.staffUser.findUnique({ where: { id: customer.ownerId } }) : null,
  ]);
  return {
    customer,
    order,
    ownerName: owner?.name ?? null,
    locale: customer.locale ?? options.defaults.locale,
    timezone: customer.timezone ?? options.defaults.timezone,
  };
}

// ---------------------------------------------------------------------------------------------------
// Sample data for checks: `renderData` of an invented customer, with the template's sample laid over it

const sampleSettings: RenderSettings = {
  secret: 'sample-secret-for-template-checks-only',
  publicUrl: 'https://aftercare.example',
  businessName: 'Example Store',
  businessAddress: '1 Example Street, Springfield',
};

function sampleSubject(use: TemplateUse, category: RenderSubject['category']): RenderSubject {
  return {
    customer: { id: 'sample-customer', name: 'Ada Lovelace', email: 'ada@example.com', attributes: {} },
    order:
      use.entity === 'order'
        ? {
            externalId: '1001',
            total: 129.5,
            currency: 'EUR',
            items: [{ name: 'Linen shirt', quantity: 1, price: 129.5 }],
            placedAt: new Date('2026-01-05T10:00:00.000Z'),
          }
        : null,
    ownerName: 'The team',
    locale: use.locale ?? 'en',
    timezone: use.timezone ?? 'UTC',
    category,
    survey: use.survey ? { kind: use.survey, messageId: 'sample-message' } : null,
    issuedAt: Date.parse('2026-01-10T10:00:00.000Z'),
  };
}

/** Keys whose content is the business's own data, taken from the sample as it is. */
const freeForm = new Set(['attributes', 'items']);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);

/** `base` with the sample's values laid over it, keeping only the keys `base` has. */
function overlay(base: Record<string, unknown>, sample: unknown): Record<string, unknown> {
  const from = isRecord(sample) ? sample : {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) {
    const given = from[key];
    if (isRecord(value) && !freeForm.has(key)) out[key] = overlay(value, given);
    else out[key] = given !== undefined && given !== null ? given : value;
  }
  return out;
}

/**
 * The render data of a send of this template in this use, with the values of its `template.json` sample.
 * A key the sample has but `renderData` does not give is dropped: at send time it would not be there either.
 * Locale, zone and category are the use's, never the sample's.
 */
export function sampleRenderData(meta: Pick<TemplateMeta, 'category' | 'sample'>, use: TemplateUse): RenderContext {
  const category = meta.category === 'marketing' || use.category === 'marketing' ? 'marketing' : 'transactional';
  const engine = renderData(sampleSettings, sampleSubject(use, category));
  const sample: Record<string, unknown> = meta.sample ?? {};
  const data: RenderContext = { ...engine };
  for (const [key, value] of Object.entries(engine)) {
    // The brand is the business's configuration, never a template's sample.
    if (key !== 'survey' && key !== 'brand' && isRecord(value)) data[key] = overlay(value, sample[key]);
  }
  const survey = engine['survey'];
  if (isRecord(survey)) {
    // The sample's survey counts only when it is of the step's kind and its options are still a list.
    const given = sample['survey'];
    const laid = isRecord(given) && given['kind'] === survey['kind'] ? overlay(survey, given) : survey;
    data['survey'] = Array.isArray(laid['options']) ? laid : survey;
  }
  return data;
}
