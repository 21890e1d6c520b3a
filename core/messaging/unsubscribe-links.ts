// The links and headers that let a customer unsubscribe, as pure functions of the message and the
// configuration: the signed one-click token (it names the customer row, `{ c: <customer id> }`,
// never an email address) and the RFC 2369 / RFC 8058 headers. A retried send computes exactly the
// same headers.
import { signToken, verifyToken } from './tokens.ts';

export const unsubscribeToken = (secret: string, customerId: string) => signToken(secret, 'unsubscribe', { c: customerId });

/** The customer row id named by a genuine unsubscribe token, or null for anything forged, altered or malformed. */
export function customerIdFromToken(secret: string, token: string): string | null {
  const payload = verifyToken(secret, 'unsubscribe', token);
  const id = payload?.['c'];
  return typeof id === 'string' && id.length > 0 ? id : null;
}

/** `care@northwind.example` or `Northwind <care@northwind.example>` -> `northwind.example`. */
export function mailDomain(from: string): string {
  const address = /<([^<>]+)>/.exec(from)?.[1] ?? from;
  const domain = address.trim().split('@').pop()?.trim().toLowerCase() ?? '';
  return /^[a-z0-9.-]+$/.test(domain) ? domain : 'localhost';
}

/**
 * The RFC 2369 / RFC 8058 headers of a marketing email: an https one-click target and a mailto
 * fallback. Derived only from the message row (customer and category) and configuration, so a retried
 * send carries exactly the same headers. Transactional emails get none.
 */
export function listUnsubscribeHeaders(
  message: { customerId: string; category: string },
  config: { secret: string; publicUrl: string; emailFrom: string },
): Record<string, string> {
  if (message.category !== 'marketing') return {};
  const token = unsubscribeToken(config.secret, message.customerId);
  const base = config.publicUrl.replace(/\/+$/, '');
  return {
    'List-Unsubscribe': `<${base}/u/${token}>, <mailto:unsubscribe@${mailDomain(config.emailFrom)}?subject=unsubscribe-${token}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}
