// Review links: signed per order (and per item when a template asks for it), so that a click lands on
// the business's review target or on the built-in review page, and only for the order it names. The
// token carries row ids and the business's order and item references, never an email address.
import type { SignedLinks } from './render.ts';
import { signToken, verifyToken } from './tokens.ts';

/** How long a review link stays usable after its email: long enough for a slow parcel and a busy month. */
export const REVIEW_LINK_DAYS = 120;

export type ReviewLink = {
  /** The customer row id. */
  customerId: string;
  /** The business's order id; null for a review of the shop itself (a journey without an order). */
  orderId: string | null;
  /** The item's reference within the order (`itemReference`); null for the whole order. */
  itemId: string | null;
  /** Epoch milliseconds after which the link only says it has expired. */
  expiresAt: number;
  /** A link from a template preview: its pages show what the customer would see and record nothing. */
  preview: boolean;
  /** The preview's language (a real link takes the customer's). */
  locale: string | null;
};

/**
 * An order item's reference in review links and stored reviews: its SKU when it has one, otherwise its
 * position in the order (1, 2, ...), which never changes once the order is placed.
 */
export function itemReference(item: unknown, index: number): string {
  const sku = item && typeof item === 'object' ? (item as Record<string, unknown>)['sku'] : undefined;
  return typeof sku === 'string' && sku.trim() !== '' ? sku.trim() : String(index + 1);
}

export function reviewToken(secret: string, link: Omit<ReviewLink, 'locale' | 'preview'> & { preview?: boolean; locale?: string | null }) {
  return signToken(secret, 'review', {
    c: link.customerId,
    ...(link.orderId !== null ? { o: link.orderId } : {}),
    ...(link.itemId !== null ? { i: link.itemId } : {}),
    x: Math.floor(link.expiresAt / 1000),
    ...(link.preview ? { p: 1, ...(link.locale ? { l: link.locale } : {}) } : {}),
  });
}

/** What a genuine review token names, or null for anything forged, altered, malformed or of another purpose. */
export function reviewLinkFromToken(secret: string, token: string): ReviewLink | null {
  const payload = verifyToken(secret, 'review', token);
  if (!payload) return null;
  const { c, o, i, x, p, l } = payload;
  if (typeof c !== 'string' || c === '' || typeof x !== 'number' || !Number.isFinite(x)) return null;
  if (o !== undefined && typeof o !== 'string') return null;
  if (i !== undefined && (typeof i !== 'string' || o === undefined)) return null;
  return {
    customerId: c,
    orderId: o ?? null,
    itemId: i ?? null,
    expiresAt: x * 1000,
    preview: p === 1,
    locale: typeof l === 'string' ? l : null,
  };
}

/** The signer of review links for one customer's email, as the `reviewLink` helper calls it. */
export function reviewLinkSigner(options: {
  secret: string;
  publicUrl: string;
  customerId: string;
  /** The email's time: links expire REVIEW_LINK_DAYS after it. */
  issuedAt: number;
  preview?: boolean;
  locale?: string;
}): SignedLinks {
  const base = options.publicUrl.replace(/\/+$/, '');
  return {
    review(order, item, index) {
      const orderId = order && typeof order === 'object' ? (order as Record<string, unknown>)['id'] : undefined;
      const token = reviewToken(options.secret, {
        customerId: options.customerId,
        orderId: typeof orderId === 'string' && orderId !== '' ? orderId : null,
        itemId: typeof orderId === 'string' && orderId !== '' && item !== undefined ? itemReference(item, index ?? 0) : null,
        expiresAt: options.issuedAt + REVIEW_LINK_DAYS * 86_400_000,
        preview: options.preview === true,
        locale: options.locale ?? null,
      });
      return `${base}/r/${token}`;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The business's review target (REVIEW_URL_TEMPLATE, checked at start-up by runtime/config.ts)

const PLACEHOLDER = /\{(\w+)\}/g;

/** The review target for an order (and item): each reference URL-encoded into its placeholder, empty when absent. */
export function fillReviewTarget(template: string, refs: { orderId: string | null; itemId: string | null }): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    if (name === 'order') return encodeURIComponent(refs.orderId ?? '');
    if (name === 'item') return encodeURIComponent(refs.itemId ?? '');
    return whole;
  });
}
