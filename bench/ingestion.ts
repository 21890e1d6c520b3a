// POST /v1/events under load (batches of 100, 8 concurrent clients, real PostgreSQL) against a
// baseline measured in the same run: plain `pg` multi-row INSERTs of the same event rows, with the
// same batch size and concurrency. Routing to Temporal is off here (journey starts are measured by
// the journeys benchmark), so this is the cost of validation, HTTP and the writes.

import pg from 'pg';
import { pino } from 'pino';
import { registerApiKey } from '../api/api-keys.ts';
import { buildApiServer } from '../api/server.ts';
import { createDatabase } from '../runtime/database.ts';
import { createBenchDatabase } from './bench-database.ts';
import { fmt, runConcurrently, summarize } from './stats.ts';

const BATCH = 100;
const CLIENTS = 8;
const BATCHES = Number(process.env.BENCH_INGEST_BATCHES ?? 200);
const KEY = 'ak_bench_000000000000000000000000';

function batchOfEvents(batch: number, run: string): Record<string, unknown>[] {
  return Array.from({ length: BATCH }, (_, i) => {
    const n = batch * BATCH + i;
    const customerId = `bench-${run}-c${n % 2000}`;
    const occurredAt = new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();
    switch (n % 4) {
      case 0:
        return {
          id: `${run}-${n}`,
          type: 'customer.upserted',
          customerId,
          occurredAt,
          properties: { email: `${customerId}@example.com`, name: 'Bench Customer', timezone: 'Europe/Paris' },
        };
      case 1:
        return { id: `${run}-${n}`, type: 'customer.active', customerId, occurredAt, properties: { channel: 'web' } };
      default:
        return {
          id: `${run}-${n}`,
          type: 'order.placed',
          customerId,
          occurredAt,
          properties: { orderId: `${run}-o${n}`, total: 42.5, currency: 'EUR', items: [{ name: 'Mug', quantity: 2, price: 21.25 }] },
        };
    }
  });
}

export async function benchIngestion(): Promise<Record<string, number>> {
  const database = await createBenchDatabase();
  const db = createDatabase(database.url, 10);
  const pool = new pg.Pool({ connectionString: database.url, max: CLIENTS });
  try {
    await registerApiKey(db, KEY, 'bench');
    const app = await buildApiServer({
      db,
      temporal: null,
      route: null,
      logger: pino({ level: 'silent' }),
      publicUrl: 'http://localhost',
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/events`;

    // Warm-up: connections, JIT, prepared plans.
    const warmBodies = Array.from({ length: 10 }, (_, batch) => JSON.stringify({ events: batchOfEvents(batch, 'warm') }));
    for (const body of warmBodies)
      await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body });

    const bodies = Array.from({ length: BATCHES }, (_, batch) => JSON.stringify({ events: batchOfEvents(batch, 'api') }));
    const api = await runConcurrently(BATCHES, CLIENTS, BATCH, async (index) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: bodies[index] as string,
      });
      if (response.status !== 202) throw new Error(`POST /v1/events answered ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    });
    await app.close();

    // The baseline table has the shape and indexes of "Event", without the engine around it.
    await pool.query(`CREATE TABLE bench_events (id text PRIMARY KEY, type text NOT NULL, customer_id text NOT NULL,
      occurred_at timestamptz NOT NULL, properties jsonb NOT NULL)`);
    await pool.query('CREATE INDEX ON bench_events (customer_id, occurred_at)');
    await pool.query('CREATE INDEX ON bench_events (type, occurred_at)');
    const baselineRows = Array.from({ length: BATCHES }, (_, batch) => batchOfEvents(batch, 'pg'));
    const baseline = await runConcurrently(BATCHES, CLIENTS, BATCH, async (index) => {
      const rows = baselineRows[index] as Record<string, unknown>[];
      const values: unknown[] = [];
      const tuples = rows.map((row, i) => {
        values.push(row.id, row.type, row.customerId, row.occurredAt, JSON.stringify(row.properties));
        const o = i * 5;
        return `($${o + 1}, $${o + 2}, $${o + 3}, $${o + 4}, $${o + 5}::jsonb)`;
      });
      await pool.query(`INSERT INTO bench_events (id, type, customer_id, occurred_at, properties) VALUES ${tuples.join(', ')}`, values);
    });
    return report(api, baseline);
  } finally {
    await pool.end();
    await db.$disconnect();
    await database.drop();
  }
}

function report(api: Awaited<ReturnType<typeof runConcurrently>>, baseline: Awaited<ReturnType<typeof runConcurrently>>) {
  const a = summarize(api);
  const b = summarize(baseline);
  console.log(`ingestion  POST /v1/events, ${BATCHES} batches of ${BATCH}, ${CLIENTS} concurrent clients, PostgreSQL`);
  console.log(`  engine    ${fmt(a.itemsPerSecond, 0)} events/s   p50 ${fmt(a.p50)} ms   p99 ${fmt(a.p99)} ms per batch`);
  console.log(
    `  baseline  ${fmt(b.itemsPerSecond, 0)} events/s   p50 ${fmt(b.p50)} ms   p99 ${fmt(b.p99)} ms per batch (plain pg INSERT of the same rows)`,
  );
  console.log(`  ratio     ${fmt(a.itemsPerSecond / b.itemsPerSecond, 3)} of baseline throughput; p50 latency x${fmt(a.p50 / b.p50, 2)}`);
  return {
    'ingestion.events_per_s': a.itemsPerSecond,
    'ingestion.p50_ms': a.p50,
    'ingestion.p99_ms': a.p99,
    'ingestion.baseline_events_per_s': b.itemsPerSecond,
    'ingestion.ratio': a.itemsPerSecond / b.itemsPerSecond,
  };
}
