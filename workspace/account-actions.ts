// What a success manager does to an account: a note, an owner, "contacted", and pausing or resuming the
// customer's journeys. Each change is written with its audit entry in one transaction (workspace/audit.ts),
// so the timeline shows who did it. "Contacted" is the internal event `account.contacted`, stored and then
// routed like any other event, so a waiting at-risk save takes its "contacted" branch. A pause is the
// customer's `journeysPausedAt`, committed before the running enrollments are told (customerControl signal,
// workflow-client/customer-control.ts); enrollments that start while it is set hold before their first send.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Actor } from '../core/access/permissions.ts';
import type { RouteEvents } from '../core/routing/ports.ts';
import { emitInternalEvent, routeStoredEvent } from '../ingestion/internal-events.ts';
import type { Database } from '../runtime/database.ts';
import type { Logger } from '../runtime/logger.ts';
import { signalCustomerJourneys } from '../workflow-client/customer-control.ts';
import { recordAudit } from './audit.ts';

/** A refused action: `not_found` (the customer or user) or `invalid` (a field, named). */
export class AccountActionError extends Error {
  constructor(
    readonly kind: 'not_found' | 'invalid' | 'unavailable',
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export type AccountActionDeps = {
  db: Database;
  /** Null: Temporal is not connected (pause and resume cannot tell running enrollments). */
  temporal: Client | null;
  route: RouteEvents | null;
  logger?: Logger;
  clock?: () => Date;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The customer named by `:id`: the business's own id (`customerId` in events, the `id` the customer routes
 * answer with), or Aftercare's row id.
 */
export async function findCustomer(db: Database, idOrExternalId: string) {
  const select = { id: true, externalId: true, ownerId: true, journeysPausedAt: true } as const;
  const customer =
    (await db.customer.findUnique({ where: { externalId: idOrExternalId }, select })) ??
    (UUID.test(idOrExternalId) ? await db.customer.findUnique({ where: { id: idOrExternalId }, select }) : null);
  if (!customer) throw new AccountActionError('not_found', `No customer with id '${idOrExternalId}'.`, 'id');
  return customer;
}

export async function addNote(deps: AccountActionDeps, actor: Actor, customerRef: string, body: string) {
  const customer = await findCustomer(deps.db, customerRef);
  const at = (deps.clock ?? (() => new Date()))();
  return deps.db.$transaction(async (tx) => {
    const note = await tx.accountNote.create({
      data: { customerId: customer.id, authorId: actor.userId, body, createdAt: at },
    });
    await recordAudit(tx, actor, {
      action: 'customer.note_added',
      subjectType: 'customer',
      subjectId: customer.id,
      customerId: customer.id,
      detail: { noteId: note.id },
    });
    return {
      id: note.id,
      customerId: customer.externalId,
      authorId: note.authorId,
      body: note.body,
      createdAt: note.createdAt.toISOString(),
    };
  });
}

/** Sets (or clears, with null) the account's owner: an active admin or success manager. */
export async function setOwner(deps: AccountActionDeps, actor: Actor, customerRef: string, ownerId: string | null) {
  const customer = await findCustomer(deps.db, customerRef);
  if (ownerId !== null) {
    const user = UUID.test(ownerId) ? await deps.db.staffUser.findUnique({ where: { id: ownerId } }) : null;
    if (!user) throw new AccountActionError('invalid', `ownerId names no staff user ('${ownerId}').`, 'ownerId');
    if (user.disabledAt) throw new AccountActionError('invalid', `ownerId names a disabled user (${user.email}).`, 'ownerId');
    if (user.role === 'marketer')
      throw new AccountActionError('invalid', `ownerId must be a success manager or an admin; ${user.email} is a marketer.`, 'ownerId');
  }
  return deps.db.$transaction(async (tx) => {
    await tx.customer.update({ where: { id: customer.id }, data: { ownerId } });
    if (customer.ownerId !== ownerId) {
      await recordAudit(tx, actor, {
        action: 'customer.owner_changed',
        subjectType: 'customer',
        subjectId: customer.id,
        customerId: customer.id,
        detail: { from: customer.ownerId, to: ownerId },
      });
    }
    return { customerId: customer.externalId, ownerId };
  });
}

/**
 * The active staff users by name, for choosing an account's or an alert's owner: `assignable` when the
 * role may own them (setOwner and assignAlert refuse a marketer or a disabled user).
 */
export async function listActiveStaff(db: Database) {
  const users = await db.staffUser.findMany({
    where: { disabledAt: null },
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
    select: { id: true, name: true, role: true },
  });
  return users.map((user) => ({ ...user, assignable: user.role !== 'marketer' }));
}

export type ContactChannel = 'call' | 'email' | 'meeting' | 'chat' | 'other';

/**
 * Records that someone reached the customer: the internal event `account.contacted` (stored, then routed
 * best effort: a Temporal outage leaves it to the event sweeper) and its audit entry.
 */
export async function markContacted(
  deps: AccountActionDeps,
  actor: Actor,
  customerRef: string,
  input: { channel?: ContactChannel | undefined; note?: string | undefined },
) {
  const customer = await findCustomer(deps.db, customerRef);
  const at = (deps.clock ?? (() => new Date()))();
  const user = actor.userId ? await deps.db.staffUser.findUnique({ where: { id: actor.userId }, select: { email: true } }) : null;
  const eventId = `account.contacted:${randomUUID()}`;
  const properties: Record<string, unknown> = {
    by: user?.email ?? (actor.keyId ? `api key ${actor.keyId}` : 'Aftercare'),
    ...(input.channel ? { channel: input.channel } : {}),
    ...(input.note ? { note: input.note } : {}),
  };
  // Stored first without routing; the audit entry names the event.
  await emitInternalEvent(deps.db, null, {
    id: eventId,
    type: 'account.contacted',
    customerRowId: customer.id,
    occurredAt: at,
    properties,
  });
  await recordAudit(deps.db, actor, {
    action: 'customer.contacted',
    subjectType: 'customer',
    subjectId: customer.id,
    customerId: customer.id,
    detail: { eventId, ...(input.channel ? { channel: input.channel } : {}) },
  });
  await routeStoredEvent({ db: deps.db, route: deps.route, ...(deps.logger ? { logger: deps.logger } : {}) }, eventId);
  return { customerId: customer.externalId, eventId, at: at.toISOString() };
}

/**
 * Pauses or resumes the customer's journeys: the flag first (the router keeps enrolling, and new
 * enrollments read it and hold), then a signal to each running enrollment. Idempotent: pausing a paused
 * customer keeps the first pause's time and tells the running enrollments again.
 */
export async function controlCustomerJourneys(deps: AccountActionDeps, actor: Actor, customerRef: string, action: 'pause' | 'resume') {
  const temporal = deps.temporal;
  if (!temporal)
    throw new AccountActionError('unavailable', 'Temporal is not connected, so running journeys cannot be told; try again later.');
  const customer = await findCustomer(deps.db, customerRef);
  const at = (deps.clock ?? (() => new Date()))();
  const pausedAt = await deps.db.$transaction(async (tx) => {
    const changed =
      action === 'pause'
        ? await tx.customer.updateMany({ where: { id: customer.id, journeysPausedAt: null }, data: { journeysPausedAt: at } })
        : await tx.customer.updateMany({ where: { id: customer.id, journeysPausedAt: { not: null } }, data: { journeysPausedAt: null } });
    if (changed.count > 0) {
      await recordAudit(tx, actor, {
        action: action === 'pause' ? 'customer.journeys_paused' : 'customer.journeys_resumed',
        subjectType: 'customer',
        subjectId: customer.id,
        customerId: customer.id,
      });
    }
    return (await tx.customer.findUniqueOrThrow({ where: { id: customer.id }, select: { journeysPausedAt: true } })).journeysPausedAt;
  });
  const signalled = await signalCustomerJourneys(deps.db, temporal, customer.id);
  return {
    customerId: customer.externalId,
    journeysPaused: pausedAt !== null,
    journeysPausedAt: pausedAt?.toISOString() ?? null,
    signalled,
  };
}
