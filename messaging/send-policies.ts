// The business's send policies in the database: immutable versions, the highest in force, none meaning
// the built-in defaults (version 0). Read by every send (inside its per-customer transaction, so a send
// is decided under one version and records it), by the simulator's callers and the backtest; written by
// PUT /v1/policies with an audit entry in the same transaction.
import type { Actor } from '../core/access/permissions.ts';
import { type PolicyDocument, policyDocumentSchema, samePolicies, toSendPolicies } from '../core/policy/policy-document.ts';
import { defaultPolicies, type SendPolicies } from '../core/policy/send-policy.ts';
import type { Database, Prisma } from '../runtime/database.ts';
import { recordAudit } from '../workspace/audit.ts';

export type PolicyVersionView = {
  version: number;
  policies: PolicyDocument;
  note: string | null;
  /** Null for version 0, the built-in defaults. */
  createdAt: string | null;
  createdBy: { userId: string | null; keyId: string | null; name: string | null } | null;
};

export type CurrentPolicies = { version: number; policies: SendPolicies };

type Reader = Pick<Database, 'policyVersion'> | Prisma.TransactionClient;

const builtIn: PolicyVersionView = {
  version: 0,
  policies: defaultPolicies,
  note: 'The built-in defaults',
  createdAt: null,
  createdBy: null,
};

/** The policies in force and their version; the built-in defaults (version 0) until a first PUT. */
export async function loadCurrentPolicies(db: Reader): Promise<CurrentPolicies> {
  const row = await db.policyVersion.findFirst({ orderBy: { version: 'desc' } });
  if (!row) return { version: 0, policies: defaultPolicies };
  return { version: row.version, policies: toSendPolicies(parseStored(row.policies, row.version)) };
}

/** A stored version read back through the schema: a row the schema rejects is a bug, said plainly. */
function parseStored(value: unknown, version: number): PolicyDocument {
  const parsed = policyDocumentSchema.safeParse(value);
  if (!parsed.success) throw new Error(`Stored send policies version ${version} do not match the schema: ${parsed.error.message}`);
  return parsed.data;
}

type PolicyVersionRow = NonNullable<Awaited<ReturnType<Database['policyVersion']['findFirst']>>>;

/** The rows as the API shows them, with the names of the staff who made them (one query for all). */
async function views(db: Database, rows: PolicyVersionRow[]): Promise<PolicyVersionView[]> {
  const userIds = [...new Set(rows.flatMap((row) => (row.actorUserId ? [row.actorUserId] : [])))];
  const users = userIds.length > 0 ? await db.staffUser.findMany({ where: { id: { in: userIds } }, select: { id: true, name: true } }) : [];
  const names = new Map(users.map((user) => [user.id, user.name]));
  return rows.map((row) => ({
    version: row.version,
    policies: parseStored(row.policies, row.version),
    note: row.note,
    createdAt: row.createdAt.toISOString(),
    createdBy: { userId: row.actorUserId, keyId: row.actorKeyId, name: (row.actorUserId && names.get(row.actorUserId)) || null },
  }));
}

export async function currentPolicyVersion(db: Database): Promise<PolicyVersionView> {
  const row = await db.policyVersion.findFirst({ orderBy: { version: 'desc' } });
  return row ? ((await views(db, [row]))[0] as PolicyVersionView) : builtIn;
}

/** Every version, newest first, ending with the built-in defaults. */
export async function listPolicyVersions(db: Database): Promise<PolicyVersionView[]> {
  const rows = await db.policyVersion.findMany({ orderBy: { version: 'desc' }, take: 200 });
  return [...(await views(db, rows)), builtIn];
}

/** The policies changed since the caller read them: their edit would silently undo someone else's. */
export class PolicyVersionConflictError extends Error {
  constructor(
    readonly expected: number,
    readonly current: number,
  ) {
    super(`The policies are at version ${current}, not ${expected}: reload them and make the change again.`);
  }
}

/**
 * Makes `document` the policies in force, as a new version, unless it says what the current version
 * says (then nothing is written). `expectedVersion`, when given, must be the version in force.
 */
export async function publishPolicies(
  db: Database,
  actor: Actor | null,
  document: PolicyDocument,
  options: { note?: string | undefined; expectedVersion?: number | undefined } = {},
): Promise<{ changed: boolean; current: PolicyVersionView }> {
  const outcome = await db.$transaction(async (tx) => {
    // One writer at a time: two PUTs cannot both become version n + 1.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('aftercare:policies'))`;
    const latest = await tx.policyVersion.findFirst({ orderBy: { version: 'desc' } });
    const version = latest?.version ?? 0;
    if (options.expectedVersion !== undefined && options.expectedVersion !== version) {
      throw new PolicyVersionConflictError(options.expectedVersion, version);
    }
    const inForce = latest ? parseStored(latest.policies, latest.version) : defaultPolicies;
    if (samePolicies(inForce, document)) return { changed: false };
    await tx.policyVersion.create({
      data: {
        version: version + 1,
        policies: document as unknown as Prisma.InputJsonObject,
        note: options.note ?? null,
        actorUserId: actor?.userId ?? null,
        actorKeyId: actor?.keyId ?? null,
      },
    });
    await recordAudit(tx, actor, {
      action: 'policies.changed',
      subjectType: 'policies',
      subjectId: String(version + 1),
      detail: { from: version, to: version + 1, ...(options.note ? { note: options.note } : {}) },
    });
    return { changed: true };
  });
  return { changed: outcome.changed, current: await currentPolicyVersion(db) };
}
