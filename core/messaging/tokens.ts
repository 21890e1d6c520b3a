// Signed tokens for the links in emails (survey answers, reviews, unsubscribe). A token names its purpose, so
// an unsubscribe token cannot answer a survey; it carries ids, never an email address; and it is
// HMAC-SHA256 signed with AFTERCARE_SECRET, so it cannot be forged or altered.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { findUnstorableText } from '../text/storable.ts';

export type TokenPurpose = 'survey' | 'unsubscribe' | 'review';

const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const sign = (secret: string, purpose: TokenPurpose, body: string) =>
  createHmac('sha256', secret).update(`${purpose}.${body}`).digest('base64url').slice(0, 32);

export function signToken(secret: string, purpose: TokenPurpose, payload: Record<string, string | number>): string {
  const body = encode(JSON.stringify(payload));
  return `${body}.${sign(secret, purpose, body)}`;
}

/** The payload of a genuine token for `purpose`, or null for anything forged, altered or malformed. */
export function verifyToken(secret: string, purpose: TokenPurpose, token: string): Record<string, unknown> | null {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return null;
  const expected = Buffer.from(sign(secret, purpose, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return null;
    // Only ids the engine itself signed, which are always storable text: anything else is not ours.
    return findUnstorableText(payload) ? null : (payload as Record<string, unknown>);
  } catch {
    return null;
  }
}
