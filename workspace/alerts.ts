// Alerts for success managers: the list (`GET /v1/alerts`) and what people do with one (acknowledge,
// snooze until a time, assign). An alert's owner is its assignee, else its customer's owner, else nobody
// (every success manager hears of it, workspace/alert-delivery.ts). A snoozed alert whose time has come is
// open again: the list says so at once, and the delivery pass stores it. Every action is recorded in the
// audit trail with its author, in the same transaction.
import type { Actor } from '../core/access/permissions.ts';
import { type Database, type Prisma, poolOf } from '../runtime/database.ts';
import { recordAudit } from './audit.ts';
import { statementName } from './customer-list.ts';

export const alertStatuses = ['open', 'acknowledged', 'snoozed', 'resolved'] as const;
export type AlertStatus = (typeof alertStatuses)[number];

export class AlertActionError extends Error {
  constructor(
    readonly kind: 'not_found' | 'invalid' | 'conflict',
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type AlertFilters = {
  status?: AlertStatus | undefined;
  /** A staff user id, `me` (the actor's user) or `unassigned`. */
  owner?: string | undefined;
  kind?: string | undefined;
  limit: number;
  cursor?: string | undefined;
};

export type AlertView = {
  id: string;
  kind: string;
  title: string;
  status: AlertStatus;
  /** `id` is the business's own id, as the customer routes name customers. */
  customer: { id: string; name: string | null; email: string | null } | null;
  journeyKey: string | null;
  assigneeId: string | null;
  /** Who should act: the assignee, else the customer's owner; null: every success manager. */
  ownerId: string | null;
  detail: unknown;
  snoozedUntil: string | null;
  createdAt: string;
  ackedAt: string | null;
  ackedById: string | null;
  resolvedAt: string | null;
  escalatedAt: string | null;
};

type AlertRow = Prisma.AlertGetPayload<{
  include: { customer: { select: { id: true; externalId: true; name: true; email: true; ownerId: true } } };
}>;

/** The status as people see it: a snooze that has run out is open again. */
export function effectiveStatus(alert: { status: AlertStatus; snoozedUntil: Date | null }, now: Date): AlertStatus {
  return alert.status === 'snoozed' && (alert.snoozedUntil === null || alert.snoozedUntil <= now) ? 'open' : alert.status;
}

export function alertView(row: AlertRow, now: Date): AlertView {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    status: effectiveStatus(row, now),
    customer: row.customer ? { id: row.customer.externalId, name: row.customer.name, email: row.customer.email } : null,
    journeyKey: row.journeyKey,
    assigneeId: row.assigneeId,
    ownerId: row.assigneeId ?? row.customer?.ownerId ?? null,
    detail: row.detail,
    snoozedUntil: row.status === 'snoozed' ? (row.snoozedUntil?.toISOString() ?? null) : null,
    createdAt: row.createdAt.toISOString(),
    ackedAt: row.ackedAt?.toISOString() ?? null,
    ackedById: row.ackedById,
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    escalatedAt: row.escalatedAt?.toISOString() ?? null,
  };
}

const customerSelect = { select: { id: true, externalId: true, name: true, email: true, ownerId: true } } as const;

/** Alerts whose status, as people see it, is `status` at `now`. */
export function statusWhere(status: AlertStatus, now: Date): Prisma.AlertWhereInput {
  if (status === 'open')
    return { OR: [{ status: 'open' }, { status: 'snoozed', OR: [{ snoozedUntil: null }, { snoozedUntil: { lte: now } }] }] };
  if (status === 'snoozed') return { status: 'snoozed', snoozedUntil: { gt: now } };
  return { status };
}

type Cursor = { at: string; id: string };
const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
function decodeCursor(text: string): Cursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [unknown, unknown];
    // Given to the database as an ISO instant, whatever date text the cursor holds (years 1 to 9999 only).
    const time = typeof at === 'string' ? new Date(at) : null;
    const year = time?.getUTCFullYear() ?? Number.NaN;
    if (time && typeof id === 'string' && year >= 1 && year <= 9999) return { at: time.toISOString(), id };
  } catch {
    // refused below
  }
  throw new AlertActionError('invalid', 'cursor is not a cursor this list gave out (use nextCursor as it came).', 'cursor');
}

/**
 * Newest first, by (createdAt, id): a page starts strictly after the last row of the previous one, so an
 * alert raised meanwhile neither shifts nor repeats a row.
 *
 * One SQL statement (the Today page asks twice on every load). Each status the filter covers ("open" is two:
 * open, and snoozed until a time that has come) is a branch that walks the (status, createdAt) index newest
 * first, looks each alert's customer up by primary key (for its owner) and stops once it has a page; the
 * branches are merged and cut to the page. The LIMIT 1 keeps the customer lookup per alert: as a plain join,
 * the planner hashes the whole customer table instead.
 */
export async function listAlerts(
  db: Database,
  actor: Actor,
  filters: AlertFilters,
  now: Date = new Date(),
): Promise<{ alerts: AlertView[]; nextCursor: string | null }> {
  const values: unknown[] = [];
  const add = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const where: string[] = [];
  if (filters.kind) where.push(`a."kind" = ${add(filters.kind)}`);
  if (filters.owner !== undefined) {
    let owner: string | null;
    if (filters.owner === 'unassigned') owner = null;
    else if (filters.owner === 'me') {
      if (!actor.userId) throw new AlertActionError('invalid', 'owner=me needs a signed-in user or an API key made for a user.', 'owner');
      owner = actor.userId;
    } else if (UUID.test(filters.owner)) owner = filters.owner;
    else throw new AlertActionError('invalid', "owner must be a staff user id, 'me' or 'unassigned'.", 'owner');
    // The owner is the assignee, else the customer's owner; an alert without either (or without a customer) is nobody's.
    if (owner === null) where.push(`a."assigneeId" IS NULL AND c."ownerId" IS NULL`);
    else {
      const user = add(owner);
      where.push(`(a."assigneeId" = ${user} OR (a."assigneeId" IS NULL AND c."ownerId" = ${user}))`);
    }
  }
  if (filters.cursor) {
    const cursor = decodeCursor(filters.cursor);
    const at = add(cursor.at);
    where.push(`(a."createdAt" < ${at}::timestamptz OR (a."createdAt" = ${at}::timestamptz AND a."id" < ${add(cursor.id)}))`);
  }
  const want = add(filters.limit + 1);
  const branches = statusBranches(filters.status, () => add(now.toISOString())).map((status) => {
    const conditions = [...(status ? [status] : []), ...where];
    return `(SELECT a.*, c."externalId" AS "customerExternalId", c."name" AS "customerName", c."email" AS "customerEmail",
                    c."ownerId" AS "customerOwnerId"
             FROM "Alert" a
             LEFT JOIN LATERAL (SELECT c."externalId", c."name", c."email", c."ownerId" FROM "Customer" c
                                WHERE c."id" = a."customerId" LIMIT 1) c ON TRUE
             ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
             ORDER BY a."createdAt" DESC, a."id" DESC LIMIT ${want})`;
  });
  const text = `SELECT * FROM (${branches.join('\nUNION ALL\n')}) t ORDER BY "createdAt" DESC, "id" DESC LIMIT ${want}`;
  type Row = Omit<AlertRow, 'customer'> & {
    customerExternalId: string | null;
    customerName: string | null;
    customerEmail: string | null;
    customerOwnerId: string | null;
  };
  const result = await poolOf(db).query<Row>({ name: statementName('alert-list', text), text, values });
  const rows: AlertRow[] = result.rows.map(({ customerExternalId, customerName, customerEmail, customerOwnerId, ...alert }) => ({
    ...alert,
    customer:
      alert.customerId && customerExternalId !== null
        ? { id: alert.customerId, externalId: customerExternalId, name: customerName, email: customerEmail, ownerId: customerOwnerId }
        : null,
  }));
  const page = rows.slice(0, filters.limit);
  const last = page[page.length - 1];
  return {
    alerts: page.map((row) => alertView(row, now)),
    nextCursor: rows.length > filters.limit && last ? encodeCursor({ at: last.createdAt.toISOString(), id: last.id }) : null,
  };
}

/**
 * statusWhere in SQL (alias `a`), as branches of one stored status each, so that each reads the status
 * index in order; null: no condition (every status). `now()` adds the instant as a parameter.
 */
function statusBranches(status: AlertStatus | undefined, now: () => string): (string | null)[] {
  if (status === undefined) return [null];
  if (status === 'open') {
    return [`a."status" = 'open'`, `a."status" = 'snoozed' AND (a."snoozedUntil" IS NULL OR a."snoozedUntil" <= ${now()}::timestamptz)`];
  }
  if (status === 'snoozed') return [`a."status" = 'snoozed' AND a."snoozedUntil" > ${now()}::timestamptz`];
  return [`a."status" = '${status === 'acknowledged' ? 'acknowledged' : 'resolved'}'`];
}

async function findAlert(db: Database | Prisma.TransactionClient, id: string): Promise<AlertRow> {
  const row = UUID.test(id) ? await db.alert.findUnique({ where: { id }, include: { customer: customerSelect } }) : null;
  if (!row) throw new AlertActionError('not_found', `No alert with id '${id}'.`, 'id');
  return row;
}

async function change(
  db: Database,
  actor: Actor,
  id: string,
  now: Date,
  edit: (row: AlertRow) => { data: Prisma.AlertUncheckedUpdateInput; action: string; detail?: Record<string, unknown> } | null,
): Promise<AlertView> {
  return db.$transaction(async (tx) => {
    // Locked, so that two people acting on one alert at once are applied one after the other.
    await tx.$queryRaw`SELECT "id" FROM "Alert" WHERE "id" = ${UUID.test(id) ? id : ''} FOR UPDATE`;
    const row = await findAlert(tx, id);
    if (row.status === 'resolved') throw new AlertActionError('conflict', 'The alert is resolved; there is nothing left to do with it.');
    const planned = edit(row);
    if (!planned) return alertView(row, now);
    const updated = await tx.alert.update({ where: { id: row.id }, data: planned.data, include: { customer: customerSelect } });
    await recordAudit(tx, actor, {
      action: planned.action,
      subjectType: 'alert',
      subjectId: row.id,
      customerId: row.customerId,
      detail: { kind: row.kind, ...(planned.detail ?? {}) },
    });
    return alertView(updated, now);
  });
}

/** Acknowledges the alert (someone is on it): it leaves the open list and never escalates. Idempotent. */
export function acknowledgeAlert(db: Database, actor: Actor, id: string, now: Date = new Date()): Promise<AlertView> {
  return change(db, actor, id, now, (row) =>
    row.status === 'acknowledged'
      ? null
      : {
          data: { status: 'acknowledged', ackedAt: now, ackedById: actor.userId, snoozedUntil: null },
          action: 'alert.acknowledged',
        },
  );
}

/** Snoozes the alert until `until` (in the future); then it is open again. */
export function snoozeAlert(db: Database, actor: Actor, id: string, until: Date, now: Date = new Date()): Promise<AlertView> {
  if (!(until.getTime() > now.getTime())) throw new AlertActionError('invalid', 'until must be in the future.', 'until');
  return change(db, actor, id, now, () => ({
    data: { status: 'snoozed', snoozedUntil: until },
    action: 'alert.snoozed',
    detail: { until: until.toISOString() },
  }));
}

/** Assigns the alert to an active success manager or admin. */
export async function assignAlert(db: Database, actor: Actor, id: string, userId: string, now: Date = new Date()): Promise<AlertView> {
  const user = UUID.test(userId) ? await db.staffUser.findUnique({ where: { id: userId } }) : null;
  if (!user) throw new AlertActionError('invalid', `userId names no staff user ('${userId}').`, 'userId');
  if (user.disabledAt) throw new AlertActionError('invalid', `userId names a disabled user (${user.email}).`, 'userId');
  if (user.role === 'marketer')
    throw new AlertActionError('invalid', `userId must be a success manager or an admin; ${user.email} is a marketer.`, 'userId');
  return change(db, actor, id, now, (row) =>
    row.assigneeId === userId
      ? null
      : { data: { assigneeId: userId }, action: 'alert.assigned', detail: { from: row.assigneeId, to: userId } },
  );
}
