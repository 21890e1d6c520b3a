// The audit trail: who did what, for every staff action (a signed-in user, an API key, a key acting for
// its user, or the CLI on the server itself). Written in the same transaction as the change it records
// when a transaction is given, so a change is never without its entry nor an entry without its change.
// Account timelines read the entries whose `customerId` is set.
import type { Actor } from '../core/access/permissions.ts';
import type { Database, Prisma } from '../runtime/database.ts';

export type AuditRecord = {
  /** What happened, as `<subject>.<past tense>`: `journey.published`, `customer.note_added`, `staff.disabled`. */
  action: string;
  /** What it happened to: `journey`, `customer`, `alert`, `staff_user`, `api_key`, `churn_run`. */
  subjectType: string;
  subjectId: string;
  /** The customer (row id) the action concerns, so that it shows in their timeline. */
  customerId?: string | null;
  detail?: Record<string, unknown>;
};

/** A client or an interactive transaction: the entry commits with whatever the caller commits. */
export type AuditWriter = Pick<Database, 'auditEntry'> | Prisma.TransactionClient;

/**
 * Records one action. `actor` null is the CLI run on the server (an operator with database access):
 * both actor ids are null and `detail.source` is `cli`; otherwise `detail.source` is `session` or `api_key`.
 */
export async function recordAudit(db: AuditWriter, actor: Actor | null, record: AuditRecord): Promise<{ id: string; at: Date }> {
  const source = actor === null ? 'cli' : actor.kind === 'user' ? 'session' : 'api_key';
  return db.auditEntry.create({
    data: {
      actorUserId: actor?.userId ?? null,
      actorKeyId: actor?.keyId ?? null,
      action: record.action,
      subjectType: record.subjectType,
      subjectId: record.subjectId,
      customerId: record.customerId ?? null,
      detail: { source, ...(record.detail ?? {}) } as Prisma.InputJsonObject,
    },
    select: { id: true, at: true },
  });
}
