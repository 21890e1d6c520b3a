// The frequency cap's view of a customer: the marketing messages that count against it (sent, or
// reserved by a send in progress), from as far back as any cap window reaches. Read by the send
// activity inside its per-customer lock and by the simulator when it replays a stored customer, so
// that both see the same history.
import { capLookbackMs, type SendPolicies } from '../core/policy/send-policy.ts';
import type { Database, Prisma } from '../runtime/database.ts';

const countedStatuses = ['pending', 'sent', 'delivered', 'delayed', 'bounced', 'complained'] as const;

/**
 * When each counted message went out (or was reserved), in ms, for the cap as of `at`. A send counts
 * everything up to now, including messages reserved a moment after its own clock; a replay from a past
 * instant (`before: true`) counts only what existed then.
 */
export async function capHistory(
  db: Database | Prisma.TransactionClient,
  customerRowId: string,
  at: number,
  options: { policies?: SendPolicies; before?: boolean } = {},
): Promise<number[]> {
  const rows = await db.message.findMany({
    where: {
      customerId: customerRowId,
      category: 'marketing',
      status: { in: [...countedStatuses] },
      createdAt: { gte: new Date(at - capLookbackMs(options.policies)), ...(options.before ? { lte: new Date(at) } : {}) },
    },
    select: { sentAt: true, createdAt: true },
  });
  return rows.map((row) => (row.sentAt ?? row.createdAt).getTime());
}
