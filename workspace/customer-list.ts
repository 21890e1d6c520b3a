// The at-risk list (`GET /v1/customers`): customers filtered by band, owner, name/email and open
// alerts, sorted by one of the sort keys the scoring keeps on the customer (churn/scoring.ts), paged by
// keyset so a page costs the same at any depth and stays stable while rows change.
//
// Each sort has its own index `(key DESC, id)` (prisma/schema.prisma): the list reads `key DESC, id ASC`.
// A row comparison cannot say "key lower, or key equal and id higher", so the page after a cursor
// `(k, i)` is read in up to three ranges, each an exact index range, one query each, in order until the
// page is full:
//   1. `key = k AND id > i ORDER BY id`  (the rest of the rows tied with the cursor)
//   2. `key < k ORDER BY key DESC, id`    (everything after)
//   3. `key IS NULL ORDER BY id`          (last_order only: customers who never ordered come last)
// Raw SQL because the ranges are built from the sort and the filters; the columns of a row (the score 30
// days ago, the top reason, the owner, open alerts) are read for the page's rows only, by lateral joins.
// The 30-day trend of the page's rows (their sparklines) is one more query over the page's ids, each read
// from the history's (customerId, computedAt) index.
import { createHash } from 'node:crypto';
import type { RiskBand } from '../core/churn/risk-score.ts';
import { type Database, poolOf } from '../runtime/database.ts';

export const customerSorts = ['risk_value', 'risk', 'value', 'last_order'] as const;
export type CustomerSort = (typeof customerSorts)[number];

const sortColumn: Record<CustomerSort, string> = {
  risk_value: '"riskValue"',
  risk: '"riskScore"',
  value: '"value"',
  last_order: '"lastOrderAt"',
};

/** The trend of a row covers this many days back from `now`, at most TREND_POINTS scores (the latest). */
export const TREND_DAYS = 30;
export const TREND_POINTS = 60;

/** Up to this many customers with open alerts, `hasOpenAlerts=true` looks them up by id (see listCustomers). */
export const OPEN_ALERT_IDS = 5_000;

export type OwnerFilter = { kind: 'user'; userId: string } | { kind: 'unassigned' };

/** Where the previous page ended: the last row's sort key (a number, an ISO instant, or null) and row id. */
export type ListCursor = { sort: CustomerSort; key: number | string | null; id: string };

export type CustomerListQuery = {
  bands?: readonly RiskBand[];
  owner?: OwnerFilter;
  /** Name or email contains this, ignoring case. */
  q?: string;
  hasOpenAlerts?: boolean;
  sort: CustomerSort;
  limit: number;
  cursor?: ListCursor;
  /** The instant "30 days ago" is measured from. */
  now: Date;
};

export type CustomerListRow = {
  id: string;
  name: string | null;
  email: string | null;
  score: number | null;
  band: RiskBand | null;
  score30DaysAgo: number | null;
  /** The scores of the last TREND_DAYS days, oldest first (a history row is written when the score changes). */
  trend: { at: string; score: number }[];
  topReason: string | null;
  value: number;
  riskValue: number;
  lastOrderAt: string | null;
  owner: { id: string; name: string } | null;
  openAlerts: number;
};

export type CustomerListPage = { customers: CustomerListRow[]; nextCursor: string | null };

export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.key, cursor.id])).toString('base64url');
}

/** The cursor, or why it is not one of ours for this sort. */
export function decodeCursor(text: string, sort: CustomerSort): { cursor: ListCursor } | { error: string } {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return { error: 'is not a cursor this list gave out' };
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) return { error: 'is not a cursor this list gave out' };
  const [cursorSort, key, id] = parsed as unknown[];
  if (typeof id !== 'string' || !(customerSorts as readonly unknown[]).includes(cursorSort)) {
    return { error: 'is not a cursor this list gave out' };
  }
  if (cursorSort !== sort) return { error: `belongs to sort=${cursorSort as string}, not sort=${sort}; start again without a cursor` };
  const validKey =
    sort === 'last_order'
      ? key === null || (typeof key === 'string' && !Number.isNaN(Date.parse(key)))
      : typeof key === 'number' && Number.isFinite(key);
  if (!validKey) return { error: 'is not a cursor this list gave out' };
  return { cursor: { sort, key: key as number | string | null, id } };
}

/** `%`, `_` and `\` match themselves in the search text. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

type Params = { values: unknown[]; add(value: unknown): string };
function params(): Params {
  const values: unknown[] = [];
  return {
    values,
    add(value) {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

type Row = {
  id: string;
  externalId: string;
  name: string | null;
  email: string | null;
  riskScore: number;
  riskBand: RiskBand | null;
  value: number;
  riskValue: number;
  lastOrderAt: Date | null;
  score30: number | null;
  topReason: string | null;
  ownerId: string | null;
  ownerName: string | null;
  openAlerts: number;
};

export async function listCustomers(db: Database, query: CustomerListQuery): Promise<CustomerListPage> {
  const pool = poolOf(db);
  const column = `c.${sortColumn[query.sort]}`;
  const nullable = query.sort === 'last_order';
  const want = query.limit + 1; // one more than the page tells whether there is a next one

  type Range = { where: (p: Params) => string; order: string };
  const ranges: Range[] = [];
  const cursor = query.cursor;
  if (cursor && cursor.key !== null) {
    const key = (p: Params) => (nullable ? `${p.add(cursor.key)}::timestamptz` : `${p.add(cursor.key)}::float8`);
    ranges.push({ where: (p) => `${column} = ${key(p)} AND c."id" > ${p.add(cursor.id)}`, order: 'c."id"' });
    ranges.push({ where: (p) => `${column} < ${key(p)}`, order: `${column} DESC, c."id"` });
  } else if (!cursor) {
    ranges.push({ where: () => (nullable ? `${column} IS NOT NULL` : 'TRUE'), order: `${column} DESC, c."id"` });
  }
  if (nullable) {
    ranges.push({
      where: (p) => (cursor && cursor.key === null ? `${column} IS NULL AND c."id" > ${p.add(cursor.id)}` : `${column} IS NULL`),
      order: 'c."id"',
    });
  }

  // Customers with open alerts are usually few: their ids (from the alerts' status index) make the filter a
  // primary-key lookup per customer, where EXISTS would probe the alerts of every customer the sort index
  // passes (a hundred per row kept when 1% have alerts). Past OPEN_ALERT_IDS, EXISTS is the cheaper.
  let openAlertIds: string[] | null = null;
  if (query.hasOpenAlerts === true) {
    const found = await pool.query<{ customerId: string }>({
      name: 'customer-list-open-alert-customers',
      text: `SELECT DISTINCT a."customerId" FROM "Alert" a
             WHERE a."status" IN ('open', 'snoozed') AND a."customerId" IS NOT NULL
               AND (a."status" = 'open' OR a."snoozedUntil" IS NULL OR a."snoozedUntil" <= $1::timestamptz)
             LIMIT $2`,
      values: [query.now.toISOString(), OPEN_ALERT_IDS + 1],
    });
    if (found.rows.length <= OPEN_ALERT_IDS) openAlertIds = found.rows.map((row) => row.customerId);
  }

  const rows: Row[] = [];
  for (const range of ranges) {
    if (rows.length >= want) break;
    const p = params();
    const filters = [range.where(p)];
    if (query.bands && query.bands.length > 0) filters.push(`c."riskBand" = ANY(${p.add(query.bands)}::"ChurnBand"[])`);
    if (query.owner?.kind === 'user') filters.push(`c."ownerId" = ${p.add(query.owner.userId)}`);
    if (query.owner?.kind === 'unassigned') filters.push(`c."ownerId" IS NULL`);
    if (query.q !== undefined) {
      const pattern = p.add(likePattern(query.q));
      filters.push(`(c."name" ILIKE ${pattern} OR c."email" ILIKE ${pattern})`);
    }
    const now = p.add(query.now.toISOString());
    // Open as the alert list says it (workspace/alerts.ts): open, or snoozed until a time that has come.
    const open = `(a."status" = 'open' OR (a."status" = 'snoozed' AND (a."snoozedUntil" IS NULL OR a."snoozedUntil" <= ${now}::timestamptz)))`;
    if (openAlertIds) filters.push(`c."id" = ANY(${p.add(openAlertIds)}::text[])`);
    else if (query.hasOpenAlerts !== undefined) {
      filters.push(`${query.hasOpenAlerts ? '' : 'NOT '}EXISTS (SELECT 1 FROM "Alert" a WHERE a."customerId" = c."id" AND ${open})`);
    }
    const monthAgo = p.add(new Date(query.now.getTime() - TREND_DAYS * 86_400_000).toISOString());
    const text = `
      SELECT c."id", c."externalId", c."name", c."email", c."riskScore", c."riskBand", c."value", c."riskValue", c."lastOrderAt",
             h.score AS "score30", s.reasons->>0 AS "topReason", u."id" AS "ownerId", u."name" AS "ownerName",
             (SELECT count(*)::int FROM "Alert" a WHERE a."customerId" = c."id" AND ${open}) AS "openAlerts"
      FROM (SELECT c.* FROM "Customer" c WHERE ${filters.join(' AND ')} ORDER BY ${range.order} LIMIT ${p.add(want - rows.length)}) c
      LEFT JOIN "ChurnScore" s ON s."customerId" = c."id"
      LEFT JOIN "StaffUser" u ON u."id" = c."ownerId"
      LEFT JOIN LATERAL (SELECT h."score" FROM "ChurnScoreHistory" h
                         WHERE h."customerId" = c."id" AND h."computedAt" <= ${monthAgo}::timestamptz
                         ORDER BY h."computedAt" DESC LIMIT 1) h ON TRUE
      ORDER BY ${range.order}`;
    // Named: each connection plans a shape of the query once (the filters and range make a few hundred shapes).
    const result = await pool.query<Row>({ name: statementName('customer-list', text), text, values: p.values });
    rows.push(...result.rows);
  }

  const page = rows.slice(0, query.limit);
  const trends = await loadTrends(
    db,
    page.map((row) => row.id),
    query.now,
  );
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > query.limit && last ? encodeCursor({ sort: query.sort, key: sortKeyOf(last, query.sort), id: last.id }) : null;
  return {
    customers: page.map((row) => ({
      id: row.externalId,
      name: row.name,
      email: row.email,
      score: row.riskBand === null ? null : row.riskScore,
      band: row.riskBand,
      score30DaysAgo: row.score30,
      trend: trends.get(row.id) ?? [],
      topReason: row.topReason,
      value: row.value,
      // Shown to the cent; the cursor keeps the exact key.
      riskValue: Math.round(row.riskValue * 100) / 100,
      lastOrderAt: row.lastOrderAt?.toISOString() ?? null,
      owner: row.ownerId ? { id: row.ownerId, name: row.ownerName ?? '' } : null,
      openAlerts: row.openAlerts,
    })),
    nextCursor,
  };
}

/**
 * Each customer's scores of the last TREND_DAYS days, oldest first: one query for the page, a bounded
 * index range per customer (the latest TREND_POINTS, should scoring after each order make many).
 */
export async function loadTrends(
  db: Database,
  customerRowIds: readonly string[],
  now: Date,
): Promise<Map<string, { at: string; score: number }[]>> {
  const trends = new Map<string, { at: string; score: number }[]>();
  if (customerRowIds.length === 0) return trends;
  const result = await poolOf(db).query<{ customerId: string; computedAt: Date; score: number }>({
    name: 'customer-list-trends',
    text: `SELECT ids."customerId", h."computedAt", h."score"
           FROM unnest($1::text[]) AS ids("customerId")
           CROSS JOIN LATERAL (SELECT h."computedAt", h."score" FROM "ChurnScoreHistory" h
                               WHERE h."customerId" = ids."customerId" AND h."computedAt" > $2::timestamptz
                                 AND h."computedAt" <= $3::timestamptz
                               ORDER BY h."computedAt" DESC LIMIT $4) h
           ORDER BY ids."customerId", h."computedAt"`,
    values: [customerRowIds, new Date(now.getTime() - TREND_DAYS * 86_400_000).toISOString(), now.toISOString(), TREND_POINTS],
  });
  for (const row of result.rows) {
    const trend = trends.get(row.customerId) ?? [];
    if (trend.length === 0) trends.set(row.customerId, trend);
    trend.push({ at: row.computedAt.toISOString(), score: row.score });
  }
  return trends;
}

function sortKeyOf(row: Row, sort: CustomerSort): number | string | null {
  switch (sort) {
    case 'risk_value':
      return row.riskValue;
    case 'risk':
      return row.riskScore;
    case 'value':
      return row.value;
    case 'last_order':
      return row.lastOrderAt?.toISOString() ?? null;
  }
}

/** A prepared statement's name for a query text: the same text, the same statement on every connection. */
export const statementName = (prefix: string, text: string) =>
  `${prefix}-${createHash('sha1').update(text).digest('base64url').slice(0, 16)}`;
