// An account's timeline (`GET /v1/customers/:id/timeline`): everything that happened to one customer,
// newest first, each item `{ at, kind, summary, ... }` with a one-line summary in words.
//
// One UNION ALL query: a branch per kind, each reading its table's (customerId, time) index from the
// cursor down with its own ORDER BY ... LIMIT (so no branch reads more than a page), merged and cut to
// the page by the outer ORDER BY (at DESC, kind, id) LIMIT. Keyset: the cursor is the last item's
// (at, kind, id); each branch starts at `at <= cursor.at` (an index bound) and drops the items at or
// before the cursor in that order. Ties and ids compare in the C collation, in the query and the cursor.
// Raw SQL because it is one set-based statement over ten tables.
import type { Database } from '../runtime/database.ts';
import { poolOf } from '../runtime/database.ts';
import { statementName } from './customer-list.ts';

export const timelineKinds = [
  'order',
  'refund',
  'message',
  'survey',
  'enrollment',
  'journey_step',
  'score',
  'alert',
  'note',
  'staff_action',
] as const;
export type TimelineKind = (typeof timelineKinds)[number];

export type TimelineItem = { at: string; kind: TimelineKind; id: string; summary: string } & Record<string, unknown>;
export type TimelineCursor = { at: string; kind: string; id: string };
export type TimelinePage = { items: TimelineItem[]; nextCursor: string | null };

export function encodeTimelineCursor(cursor: TimelineCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.kind, cursor.id])).toString('base64url');
}

export function decodeTimelineCursor(text: string): TimelineCursor | null {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 3) return null;
    const [at, kind, id] = parsed as unknown[];
    if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || typeof kind !== 'string' || typeof id !== 'string') return null;
    return { at, kind, id };
  } catch {
    return null;
  }
}

/** Each kind's rows: `at`, `id` and a JSON object of what the summary needs. `$1` is the customer's row id. */
const branches: Record<TimelineKind, { at: string; from: string; data: string }> = {
  order: {
    at: 'o."placedAt"',
    from: '"Order" o WHERE o."customerId" = $1',
    data: `jsonb_build_object('orderId', o."externalId", 'total', o."total"::float8, 'currency', o."currency",
             'items', jsonb_array_length(o."items"), 'refundedAmount', o."refundedAmount"::float8)`,
  },
  refund: {
    at: 'o."refundedAt"',
    from: '"Order" o WHERE o."customerId" = $1 AND o."refundedAt" IS NOT NULL',
    data: `jsonb_build_object('orderId', o."externalId", 'total', o."total"::float8, 'currency', o."currency",
             'refundedAmount', o."refundedAmount"::float8)`,
  },
  message: {
    at: 'm."createdAt"',
    from: '"Message" m LEFT JOIN "Enrollment" e ON e."id" = m."enrollmentId" WHERE m."customerId" = $1',
    data: `jsonb_build_object('messageId', m."id", 'subject', m."subject", 'status', m."status", 'template', m."template",
             'reason', m."reason", 'sentAt', m."sentAt", 'category', m."category", 'journeyKey', e."journeyKey")`,
  },
  survey: {
    at: 'r."answeredAt"',
    from: '"SurveyResponse" r WHERE r."customerId" = $1',
    data: `jsonb_build_object('survey', r."kind", 'score', r."score", 'comment', r."comment", 'messageId', r."messageId")`,
  },
  enrollment: {
    at: 'e."enteredAt"',
    from: '"Enrollment" e WHERE e."customerId" = $1',
    data: `jsonb_build_object('journeyKey', e."journeyKey", 'version', e."version", 'group', e."group", 'status', e."status",
             'outcome', e."outcome", 'endedAt', e."endedAt")`,
  },
  journey_step: {
    at: 's."at"',
    from: '"EnrollmentStep" s JOIN "Enrollment" e ON e."id" = s."enrollmentId" WHERE e."customerId" = $1',
    data: `jsonb_build_object('journeyKey', e."journeyKey", 'stepId', s."stepId", 'step', s."kind", 'status', s."status",
             'detail', s."detail")`,
  },
  score: {
    at: 'h."computedAt"',
    from: `"ChurnScoreHistory" h
           LEFT JOIN LATERAL (SELECT p."score", p."band" FROM "ChurnScoreHistory" p
                              WHERE p."customerId" = h."customerId" AND (p."computedAt", p."id") < (h."computedAt", h."id")
                              ORDER BY p."computedAt" DESC, p."id" DESC LIMIT 1) p ON TRUE
           WHERE h."customerId" = $1`,
    data: `jsonb_build_object('score', h."score", 'band', h."band", 'modelScore', h."modelScore", 'computedBy', h."computedBy",
             'previousScore', p."score", 'previousBand', p."band")`,
  },
  alert: {
    at: 'a."createdAt"',
    from: '"Alert" a WHERE a."customerId" = $1',
    data: `jsonb_build_object('alertId', a."id", 'alert', a."kind", 'title', a."title", 'status', a."status", 'journeyKey', a."journeyKey")`,
  },
  note: {
    at: 'n."createdAt"',
    from: '"AccountNote" n LEFT JOIN "StaffUser" u ON u."id" = n."authorId" WHERE n."customerId" = $1',
    data: `jsonb_build_object('body', n."body", 'author', CASE WHEN u."id" IS NULL THEN NULL ELSE jsonb_build_object('id', u."id", 'name', u."name") END)`,
  },
  // A note is its own item (with its author); its audit entry would say the same thing again.
  staff_action: {
    at: 'x."at"',
    from: `"AuditEntry" x LEFT JOIN "StaffUser" u ON u."id" = x."actorUserId"
           WHERE x."customerId" = $1 AND x."action" <> 'customer.note_added'`,
    data: `jsonb_build_object('action', x."action", 'detail', x."detail", 'actor',
             CASE WHEN u."id" IS NOT NULL THEN jsonb_build_object('id', u."id", 'name', u."name")
                  WHEN x."actorKeyId" IS NOT NULL THEN jsonb_build_object('apiKeyId', x."actorKeyId") END)`,
  },
};

const alias = (at: string) => at.slice(0, at.indexOf('.'));

export async function loadTimeline(
  db: Database,
  options: { customerRowId: string; limit: number; cursor?: TimelineCursor; kinds?: readonly TimelineKind[] },
): Promise<TimelinePage> {
  const values: unknown[] = [options.customerRowId];
  const add = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const want = add(options.limit + 1);
  const cursor = options.cursor;
  const bound = cursor ? { at: add(cursor.at), kind: add(cursor.kind), id: add(cursor.id) } : null;
  const kinds = options.kinds && options.kinds.length > 0 ? options.kinds : timelineKinds;
  const parts = kinds.map((kind) => {
    const b = branches[kind];
    const id = `${alias(b.at)}."id"`;
    const after = bound
      ? ` AND ${b.at} <= ${bound.at}::timestamptz
          AND (${b.at} < ${bound.at}::timestamptz OR ('${kind}' COLLATE "C", ${id} COLLATE "C") > (${bound.kind}::text COLLATE "C", ${bound.id}::text COLLATE "C"))`
      : '';
    return `(SELECT ${b.at} AS at, '${kind}'::text COLLATE "C" AS kind, ${id} COLLATE "C" AS id, ${b.data} AS data
             FROM ${b.from}${after}
             ORDER BY ${b.at} DESC, ${id} COLLATE "C" LIMIT ${want})`;
  });
  const text = `SELECT at, kind, id, data FROM (${parts.join('\nUNION ALL\n')}) t ORDER BY at DESC, kind, id LIMIT ${want}`;
  // Named: each connection plans a shape of the query (the kinds, with or without a cursor) once.
  const rows = (
    await poolOf(db).query<{ at: Date; kind: TimelineKind; id: string; data: Record<string, unknown> }>({
      name: statementName('timeline', text),
      text,
      values,
    })
  ).rows;
  const page = rows.slice(0, options.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row) => ({
      at: row.at.toISOString(),
      kind: row.kind,
      id: row.id,
      summary: summarize(row.kind, row.data),
      ...row.data,
      ...(row.kind === 'message' ? { link: `/v1/messages/${row.id}` } : {}),
    })),
    nextCursor:
      rows.length > options.limit && last ? encodeTimelineCursor({ at: last.at.toISOString(), kind: last.kind, id: last.id }) : null,
  };
}

const money = (amount: unknown, currency: unknown) => {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: String(currency) }).format(Number(amount));
  } catch {
    return `${Number(amount).toFixed(2)} ${String(currency)}`;
  }
};
const quoted = (text: unknown) => (typeof text === 'string' && text.length > 0 ? `"${oneLine(text, 80)}"` : '');
const oneLine = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};
const nameOf = (who: unknown) => {
  if (who && typeof who === 'object') {
    if ('name' in who && typeof who.name === 'string') return who.name;
    if ('apiKeyId' in who) return 'an API key';
  }
  return 'the server';
};
const words = (text: string) => text.replace(/[_.]/g, ' ');
const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const messageStatus: Record<string, string> = {
  pending: 'being sent',
  sent: 'sent',
  delivered: 'delivered',
  delayed: 'delayed',
  bounced: 'bounced',
  complained: 'marked as spam',
  failed: 'failed',
  skipped: 'skipped',
};

/** One line in words. */
export function summarize(kind: TimelineKind, d: Record<string, unknown>): string {
  switch (kind) {
    case 'order':
      return `Ordered ${money(d.total, d.currency)} (order ${String(d.orderId)}, ${d.items} item${d.items === 1 ? '' : 's'})`;
    case 'refund':
      return `Refunded ${money(d.refundedAmount, d.currency)} of order ${String(d.orderId)}`;
    case 'message': {
      const subject = quoted(d.subject) || `from template ${String(d.template)}`;
      const reason = d.reason ? `: ${oneLine(String(d.reason), 60)}` : '';
      return `Email ${subject} ${messageStatus[String(d.status)] ?? String(d.status)}${reason}`;
    }
    case 'survey': {
      const scale = d.survey === 'nps' ? 'out of 10' : 'out of 5';
      const comment = quoted(d.comment);
      return `Answered the ${String(d.survey).toUpperCase()} survey: ${d.score} ${scale}${comment ? `, ${comment}` : ''}`;
    }
    case 'enrollment': {
      const group = d.group === 'control' ? ' (holdout: no messages)' : '';
      return `Entered journey ${String(d.journeyKey)}${group}; ${d.status === 'running' ? 'running' : words(String(d.status))}`;
    }
    case 'journey_step':
      return `${String(d.journeyKey)}: ${String(d.stepId)} (${words(String(d.step))}) ${words(String(d.status))}`;
    case 'score': {
      const score = Number(d.score).toFixed(1);
      if (d.previousBand === null || d.previousBand === undefined) return `First churn-risk score: ${score} (${d.band})`;
      if (d.previousBand !== d.band) {
        const direction = bandRank(String(d.band)) > bandRank(String(d.previousBand)) ? 'rose' : 'fell';
        return `Risk ${direction} from ${d.previousBand} to ${d.band} (score ${Number(d.previousScore).toFixed(1)} → ${score})`;
      }
      return `Risk score ${Number(d.previousScore).toFixed(1)} → ${score} (${d.band})`;
    }
    case 'alert':
      return `Alert (${words(String(d.alert))}): ${oneLine(String(d.title), 80)}; ${String(d.status)}`;
    case 'note':
      return `Note by ${nameOf(d.author)}: ${quoted(d.body)}`;
    case 'staff_action': {
      const action = String(d.action);
      const what = action.startsWith('customer.') ? action.slice('customer.'.length) : action;
      return `${capitalised(words(what))} by ${nameOf(d.actor)}`;
    }
  }
}

const bandRank = (band: string) => ['low', 'medium', 'high'].indexOf(band);
