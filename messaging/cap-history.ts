// The frequency caps' view of a customer: the messages of one cap class that count against its caps
// (sent, or reserved by a send in progress), from as far back as any cap window reaches. Read by the
// send activity inside its per-customer lock and by the simulator when it replays a stored customer,
// so that both see the same history.
import { type CapClass, capLookbackMs, type SendPolicies } from '../core/policy/send-policy.ts';
import type { Database, Prisma } from '../runtime/database.ts';

/** The statuses of a message that went out, or is going out: each counts against the caps. */
export const countedStatuses = ['pending', 'sent', 'delivered', 'delayed', 'bounced', 'complained'] as const;

/** Which stored messages belong to a cap class: marketing ones, or transactional ones with a survey. */
export function capClassFilter(capClass: CapClass): Prisma.MessageWhereInput {
  return capClass === 'marketing' ? { category: 'marketing' } : { category: 'transactional', surveyKind: { not: null } };
}

/**
 * When each counted message went out (or was reserved), in ms, for the caps as of `at`. A send counts
 * everything up to now, including messages reserved a moment after its own clock; a replay from a past
 * instant (`before: true`) counts only what existed then.
 */
export async function capHistory(
  db: Database | Prisma.TransactionClient,
  customerRowId: string,
  at: number,
  options: { policies?: SendPolicies; before?: boolean; capClass?: CapClass } = {},
): Promise<number[]> {
  const rows = await db.message.findMany({
    where: {
      customerId: customerRowId,
      ...capClassFilter(options.capClass ?? 'marketing'),
      status: { in: [...countedStatuses] },
      createdAt: { gte: new Date(at - capLookbackMs(options.policies)), ...(options.before ? { lte: new Date(at) } : {}) },
    },
    select: { sentAt: true, createdAt: true },
  });
  return rows.map((row) => (row.sentAt ?? row.createdAt).getTime());
}
