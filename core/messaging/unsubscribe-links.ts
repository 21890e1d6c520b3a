// The links and headers that let a customer unsubscribe, as pure functions of the message and the
// configuration: the signed token (it names the customer row, `{ c: <customer id> }`, and the kind of
// email it came from, `k`, never an email address) and the RFC 2369 / RFC 8058 headers. A retried send
// computes exactly the same headers.
import { messageKind, type PreferenceCategory } from './preferences.ts';
import { signToken, verifyToken } from './tokens.ts';

export type UnsubscribeLink = {
  customerId: string;
  /** The kind of email the link came from: what a bare one-click POST unsubscribes from. */
  category: PreferenceCategory;
  /** A link from a template preview: its page shows the choices and changes nothing. */
  preview: boolean;
  locale: string | null;
};

/**
 * The token of a customer's unsubscribe link. Marketing tokens carry no `k`, as every token did before
 * check-ins had a link, so links in emails already sent keep their meaning.
 */
export const unsubscribeToken = (
  secret: string,
  customerId: string,
  category: PreferenceCategory = 'marketing',
  preview?: { locale: string },
) =>
  signToken(secret, 'unsubscribe', {
    c: customerId,
    ...(category === 'marketing' ? {} : { k: category }),
    ...(preview ? { p: 1, l: preview.locale } : {}),
  });

/** What a genuine unsubscribe token names, or null for anything forged, altered or malformed. */
export function unsubscribeLinkFromToken(secret: string, token: string): UnsubscribeLink | null {
  const payload = verifyToken(secret, 'unsubscribe', token);
  const id = payload?.['c'];
  if (typeof id !== 'string' || id.length === 0) return null;
  const kind = payload?.['k'];
  if (kind !== undefined && kind !== 'checkins' && kind !== 'marketing') return null;
  return {
    customerId: id,
    category: kind ?? 'marketing',
    preview: payload?.['p'] === 1,
    locale: typeof payload?.['l'] === 'string' ? (payload['l'] as string) : null,
  };
}

/** The customer row id named by a genuine unsubscribe token, or null for anything forged, altered or malformed. */
export function customerIdFromToken(secret: string, token: string): string | null {
  return unsubscribeLinkFromToken(secret, token)?.customerId ?? null;
}

/** `care@northwind.example` or `Northwind <care@northwind.example>` -> `northwind.example`. */
export function mailDomain(from: string): string {
  const address = /<([^<>]+)>/.exec(from)?.[1] ?? from;
  const domain = address.trim().split('@').pop()?.trim().toLowerCase() ?? '';
  return /^[a-z0-9.-]+$/.test(domain) ? domain : 'localhost';
}

/**
 * The RFC 2369 / RFC 8058 headers of an email the customer may opt out of (marketing, and check-ins
 * with a survey): an https one-click target, and a mailto target only when an inbound address is
 * configured (UNSUBSCRIBE_MAILTO: an address nobody reads is worse than none). Derived only from the
 * message row (customer, category, survey) and configuration, so a retried send carries exactly the
 * same headers. Service messages get none.
 */
export function listUnsubscribeHeaders(
  message: { customerId: string; category: string; surveyKind?: string | null },
  config: { secret: string; publicUrl: string; unsubscribeMailto?: string | undefined },
): Record<string, string> {
  const kind = messageKind(message);
  if (kind === 'service') return {};
  const token = unsubscribeToken(config.secret, message.customerId, kind);
  const base = config.publicUrl.replace(/\/+$/, '');
  const mailto = config.unsubscribeMailto ? `, <mailto:${config.unsubscribeMailto}?subject=unsubscribe-${token}>` : '';
  return {
    'List-Unsubscribe': `<${base}/u/${token}>${mailto}`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}
