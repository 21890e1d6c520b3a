// Synthetic order histories for churn tests: customers drawn from the BG/NBD process with the CDNOW
// parameters (core/churn/synthetic.ts), written with one set-based statement per table.
import { createRandom, simulateTransactions } from '../../core/churn/synthetic.ts';
import type { Database } from '../../runtime/database.ts';

export const CDNOW_WEEKS = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const WEEK_MS = 7 * 86_400_000;

/**
 * `customers` synthetic customers (external ids `<prefix>00000`...), acquired over the 26 weeks starting a
 * year and a half before `end`, with their orders up to `end`. Returns the number of orders written.
 */
export async function insertSyntheticCustomers(
  db: Database,
  options: { customers: number; end: Date; seed?: number; prefix?: string },
): Promise<{ customers: number; orders: number }> {
  const { transactions, customers } = simulateTransactions(CDNOW_WEEKS, {
    customers: options.customers,
    start: new Date(options.end.getTime() - 78 * WEEK_MS),
    acquisitionPeriods: 26,
    end: options.end,
    unit: 'weeks',
    random: createRandom(options.seed ?? 2026),
    amount: (random) => Math.round((20 + random() * 180) * 100) / 100,
    idPrefix: options.prefix ?? 'syn-',
  });
  const externalIds = customers.map((customer) => customer.customerId);
  await db.$executeRaw`
    INSERT INTO "Customer" ("id", "externalId", "updatedAt")
    SELECT gen_random_uuid()::text, x, now() FROM unnest(${externalIds}::text[]) AS x`;
  const orders = transactions.map((transaction, i) => ({
    orderId: `${transaction.customerId}-o${i}`,
    customerId: transaction.customerId,
    total: transaction.amount ?? 50,
    at: transaction.at.toISOString(),
  }));
  // In chunks, to keep each statement's parameters a few megabytes.
  for (let start = 0; start < orders.length; start += 25_000) {
    const chunk = orders.slice(start, start + 25_000);
    await db.$executeRaw`
      INSERT INTO "Order" ("id", "externalId", "customerId", "total", "currency", "placedAt", "updatedAt")
      SELECT gen_random_uuid()::text, u.order_id, c."id", u.total, 'EUR', u.at, now()
      FROM unnest(${chunk.map((o) => o.orderId)}::text[], ${chunk.map((o) => o.customerId)}::text[],
                  ${chunk.map((o) => o.total)}::numeric[], ${chunk.map((o) => o.at)}::timestamptz[]) AS u(order_id, customer, total, at)
      JOIN "Customer" c ON c."externalId" = u.customer`;
  }
  // The customer's order summary columns, as ingestion keeps them.
  await db.$executeRaw`
    UPDATE "Customer" c SET "orderCount" = o.n, "totalSpent" = o.total, "firstOrderAt" = o.first, "lastOrderAt" = o.last
    FROM (SELECT "customerId", count(*)::int AS n, sum("total") AS total, min("placedAt") AS first, max("placedAt") AS last
          FROM "Order" GROUP BY 1) o
    WHERE c."id" = o."customerId"`;
  return { customers: externalIds.length, orders: orders.length };
}
