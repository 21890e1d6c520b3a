// `aftercare journeys backtest FILE --days N` through the real CLI: a readable summary (or the API's JSON)
// of a draft replayed over the stored history, and one sentence with exit code 2 for bad input.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { runCli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const DAY = 86_400_000;

describe('aftercare journeys backtest', () => {
  let database: TestDatabase;
  let dir: string;
  const draft = () => join(dir, 'offer.yaml');

  beforeAll(async () => {
    [database, dir] = await Promise.all([createTestDatabase(), mkdtemp(join(tmpdir(), 'aftercare-backtest-'))]);
    await writeFile(
      draft(),
      toYaml({
        key: 'order-offer',
        name: 'Order offer',
        trigger: { event: 'order.placed' },
        entity: 'order',
        steps: [{ id: 'offer', send: { template: 'winback-offer' } }],
      }),
    );
    for (let i = 0; i < 3; i++) {
      const customer = await database.db.customer.create({
        data: { externalId: `cli-${i}`, timezone: 'UTC', consent: { marketing: true } },
      });
      await database.db.event.create({
        data: {
          id: `cli-order-${i}`,
          type: 'order.placed',
          customerId: customer.id,
          occurredAt: new Date(Date.now() - (5 + i) * DAY),
          properties: { orderId: `o${i}` },
        },
      });
    }
  });

  afterAll(async () => {
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the enrollments, the messages per day and the funnel, and writes nothing', async () => {
    const before = await database.db.enrollment.count();
    const result = await runCli(['journeys', 'backtest', draft(), '--days', '8'], { DATABASE_URL: database.url });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Backtest of 'order-offer' (Order offer) over the last 8 days");
    expect(result.stdout).toMatch(/Enrollments\s+3/);
    expect(result.stdout).toContain('Messages per day (UTC):');
    expect(result.stdout).toMatch(/offer\s+send\s+3/);
    expect(await database.db.enrollment.count()).toBe(before);
  });

  it('prints the JSON answer with --json', async () => {
    const result = await runCli(['journeys', 'backtest', draft(), '--days', '3', '--json'], { DATABASE_URL: database.url });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ key: 'order-offer', days: 3, enrollments: 0, messages: 0, published: null });
  });

  it('refuses days outside 1-365 in one sentence', async () => {
    const result = await runCli(['journeys', 'backtest', draft(), '--days', '400'], { DATABASE_URL: database.url });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('aftercare: --days must be a whole number from 1 to 365, not "400".\n');
  });
});
