// Reading the local outbox (messaging/outbox-transport.ts writes it): the emails newest first, paged by
// keyset on (createdAt, id) so a page stays stable while new emails arrive, and one email whole. Used
// by `GET /v1/outbox` (the web app's outbox page) and `aftercare outbox` (the CLI).
//
// The outbox row is the email as it left (from, to, subject, HTML, text, headers). What it was about is
// found through its idempotency key: a customer message's id (`Message`: its template, customer and
// journey) or a staff email's (`StaffNotification`: its kind, such as an alert digest).
import type { Database } from '../runtime/database.ts';

export type OutboxEmailSummary = {
  id: string;
  from: string;
  to: string;
  subject: string;
  /** The customer message's template, or `staff:<kind>` for a staff email (alerts, digests); null when unknown. */
  template: string | null;
  /** The business's customer id, for a customer message. */
  customerId: string | null;
  journeyKey: string | null;
  /** When the transport took it. */
  sentAt: string;
};

export type OutboxEmailView = OutboxEmailSummary & {
  html: string;
  text: string;
  headers: Record<string, string>;
  tags: { name: string; value: string }[];
  /** The message's locale, for a customer message. */
  locale: string | null;
};

export type OutboxCursor = { createdAt: Date; id: string };

export function encodeOutboxCursor(cursor: OutboxCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id])).toString('base64url');
}

/** The cursor, or null when the text is not one this list gave out. */
export function decodeOutboxCursor(text: string): OutboxCursor | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return null;
    const [at, id] = parsed as unknown[];
    if (typeof at !== 'string' || typeof id !== 'string' || id.length > 64) return null;
    const createdAt = new Date(at);
    return Number.isNaN(createdAt.getTime()) ? null : { createdAt, id };
  } catch {
    return null;
  }
}

type OutboxRow = {
  id: string;
  idempotencyKey: string;
  fromAddress: string;
  toAddress: string;
  subject: string;
  createdAt: Date;
};

type About = { template: string | null; customerId: string | null; journeyKey: string | null; locale: string | null };

/** What each email was about, by its idempotency key. */
async function aboutEmails(db: Database, keys: string[]): Promise<Map<string, About>> {
  const about = new Map<string, About>();
  if (keys.length === 0) return about;
  const [messages, staff] = await Promise.all([
    db.message.findMany({
      where: { id: { in: keys } },
      select: {
        id: true,
        template: true,
        locale: true,
        customer: { select: { externalId: true } },
        enrollment: { select: { journeyKey: true } },
      },
    }),
    db.staffNotification.findMany({ where: { id: { in: keys } }, select: { id: true, kind: true } }),
  ]);
  for (const notification of staff) {
    about.set(notification.id, { template: `staff:${notification.kind}`, customerId: null, journeyKey: null, locale: null });
  }
  for (const message of messages) {
    about.set(message.id, {
      template: message.template,
      customerId: message.customer.externalId,
      journeyKey: message.enrollment?.journeyKey ?? null,
      locale: message.locale,
    });
  }
  return about;
}

const unknownAbout: About = { template: null, customerId: null, journeyKey: null, locale: null };

function summaryOf(row: OutboxRow, about: About): OutboxEmailSummary {
  return {
    id: row.id,
    from: row.fromAddress,
    to: row.toAddress,
    subject: row.subject,
    template: about.template,
    customerId: about.customerId,
    journeyKey: about.journeyKey,
    sentAt: row.createdAt.toISOString(),
  };
}

const listSelect = { id: true, idempotencyKey: true, fromAddress: true, toAddress: true, subject: true, createdAt: true } as const;

/** A page of the outbox, newest first, after `cursor` (the previous page's `nextCursor`). */
export async function listOutbox(
  db: Database,
  query: { limit: number; cursor?: OutboxCursor },
): Promise<{ emails: OutboxEmailSummary[]; nextCursor: string | null }> {
  const { cursor } = query;
  const rows = await db.outboxEmail.findMany({
    where: cursor ? { OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }] } : {},
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: query.limit + 1,
    select: listSelect,
  });
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  const about = await aboutEmails(
    db,
    page.map((row) => row.idempotencyKey),
  );
  return {
    emails: page.map((row) => summaryOf(row, about.get(row.idempotencyKey) ?? unknownAbout)),
    nextCursor: rows.length > query.limit && last ? encodeOutboxCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}

export const countOutbox = (db: Database): Promise<number> => db.outboxEmail.count();

/** One email, whole, as the customer would read it; null when the outbox has no such id. */
export async function loadOutboxEmail(db: Database, id: string): Promise<OutboxEmailView | null> {
  const row = await db.outboxEmail.findUnique({ where: { id } });
  if (!row) return null;
  const about = (await aboutEmails(db, [row.idempotencyKey])).get(row.idempotencyKey) ?? unknownAbout;
  const headers = Object.fromEntries(
    Object.entries((row.headers ?? {}) as Record<string, unknown>).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
  const tags = Array.isArray(row.tags)
    ? (row.tags as unknown[]).filter(
        (tag): tag is { name: string; value: string } =>
          typeof tag === 'object' &&
          tag !== null &&
          typeof (tag as { name?: unknown }).name === 'string' &&
          typeof (tag as { value?: unknown }).value === 'string',
      )
    : [];
  return { ...summaryOf(row, about), html: row.html, text: row.text, headers, tags, locale: about.locale };
}

/**
 * The emails whose id starts with `prefix` (at most two: one is the answer, two say it is ambiguous),
 * or the newest with `latest`. The CLI's `--show` takes the first characters the list prints.
 */
export async function findOutboxEmailsByPrefix(db: Database, prefix: string | 'latest') {
  return db.outboxEmail.findMany({
    where: prefix === 'latest' ? {} : { id: { startsWith: prefix } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: 2,
  });
}
