// Telling one customer's running enrollments that their journeys are paused or resumed (POST
// /v1/customers/:id/journeys/pause|resume), with a signal of their own (`customerControl`), apart from the
// journey's pause. The customer's `journeysPausedAt` is committed first (workspace/account-actions.ts);
// then, under a per-customer advisory lock, the flag is read again and its state, not the request's
// action, is what every running enrollment is told: concurrent pause and resume requests are serialised
// here, and the last to signal sends the latest committed state. An enrollment that starts meanwhile
// reads the committed flag after writing its row (enterJourney), so it is either listed here or reads
// the new state itself.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Database } from '../runtime/database.ts';
import { customerControlSignal } from '../workflows/signals.ts';

/** Signals the customer's running enrollments with the customer's current pause; returns how many were told. */
export async function signalCustomerJourneys(db: Database, client: Client, customerRowId: string): Promise<number> {
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`customer-journeys:${customerRowId}`}))`;
      const customer = await tx.customer.findUniqueOrThrow({ where: { id: customerRowId }, select: { journeysPausedAt: true } });
      const action = customer.journeysPausedAt === null ? 'resume' : 'pause';
      const running = await tx.enrollment.findMany({
        where: { customerId: customerRowId, status: 'running' },
        select: { workflowId: true },
      });
      let signalled = 0;
      for (const { workflowId } of running) {
        try {
          await client.workflow.getHandle(workflowId).signal(customerControlSignal, { action });
          signalled++;
        } catch (error) {
          // Ended meanwhile: nothing left to hold.
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      }
      return signalled;
    },
    { timeout: 120_000, maxWait: 20_000 },
  );
}
