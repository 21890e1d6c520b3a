// The data every template is rendered with, built in one place for the send activity and for the
// preview endpoint, so a preview shows exactly what the customer would get.

import type { RenderContext } from '../core/messaging/render.ts';
import { signToken } from '../core/messaging/tokens.ts';
import type { Database } from '../runtime/database.ts';

export type RenderSettings = { secret: string; publicUrl: string; businessName: string; businessAddress: string };

export type RenderSubject = {
  customer: { id: string; name: string | null; email: string | null; attributes: unknown };
  order: { externalId: string; total: unknown; currency: string; items: unknown; placedAt: Date } | null;
  ownerName: string | null;
  locale: string;
  timezone: string;
  category: 'marketing' | 'transactional';
  survey: { kind: 'csat' | 'nps'; messageId: string } | null;
};

export function surveyLinks(settings: RenderSettings, kind: 'csat' | 'nps', messageId: string) {
  const scores = kind === 'csat' ? [1, 2, 3, 4, 5] : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  return {
    kind,
    question: kind === 'csat' ? 'How happy are you with your order?' : 'How likely are you to recommend us to a friend?',
    options: scores.map((score) => ({
      score,
      label: String(score),
      url: `${settings.publicUrl}/s/${signToken(settings.secret, 'survey', { m: messageId, s: score })}`,
    })),
  };
}

export function renderData(settings: RenderSettings, subject: RenderSubject): RenderContext {
  const { customer, order } = subject;
  return {
    locale: subject.locale,
    timezone: subject.timezone,
    category: subject.category,
    customer: { name: customer.name ?? '', email: customer.email ?? '', attributes: customer.attributes },
    order: order
      ? { id: order.externalId, total: Number(order.total), currency: order.currency, items: order.items, placedAt: order.placedAt }
      : null,
    // No owner: an empty name, and each template words that in its own language.
    owner: { name: subject.ownerName ?? '' },
    business: { name: settings.businessName, address: settings.businessAddress, reviewUrl: `${settings.publicUrl}/review` },
    links: { unsubscribe: `${settings.publicUrl}/u/${signToken(settings.secret, 'unsubscribe', { c: customer.id })}` },
    ...(subject.survey ? { survey: surveyLinks(settings, subject.survey.kind, subject.survey.messageId) } : {}),
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
