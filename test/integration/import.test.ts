// Backfill: a 100,000-row order CSV with a few bad rows loads, the bad lines are reported, and a
// run interrupted halfway finishes on the second run without duplicates.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, cliPath, runCli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const ROWS = 100_000;
const badRows = new Map<number, string>([
  [1_234, 'c1,o-bad-1,2024-13-45,10.00,EUR'], // no 45th of a 13th month
  [40_000, 'c2,o-bad-2,2024-05-01,abc,EUR'], // total is not a number
  [77_777, 'c3,,2024-05-01,10.00,EUR'], // no order id
  [99_999, 'c4,o-bad-4,2024-05-01,-5,EUR'], // negative total
]);

describe('aftercare import', () => {
  let database: TestDatabase;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'aftercare-import-'));
    file = join(dir, 'orders.csv');
    const lines = ['customer_id,order_id,date,total,currency'];
    const start = Date.UTC(2024, 0, 1);
    for (let i = 1; i <= ROWS; i++) {
      const bad = badRows.get(i);
      if (bad) lines.push(bad);
      else
        lines.push(
          `cust-${i % 5000},ord-${i},${new Date(start + i * 600_000).toISOString().slice(0, 10)},${(10 + (i % 90)).toFixed(2)},EUR`,
        );
    }
    await writeFile(file, `${lines.join('\n')}\n`);
  });
  afterAll(async () => {
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const env = () => ({ DATABASE_URL: database.url, DATA_DIR: join(dir, 'data') });

  it('resumes after an interruption halfway and ends with every good row once, the bad lines reported', async () => {
    // First run: killed once it reports having passed the middle of the file.
    let firstReport = '';
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [cliPath, 'import', file], { env: childEnv(env()), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (firstReport += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const done = [...output.matchAll(/imported (\d+)\//g)].map((m) => Number(m[1]));
        if (done.some((n) => n >= ROWS / 2)) child.kill('SIGKILL');
      });
      child.on('exit', (code, signal) =>
        signal === 'SIGKILL' ? resolve() : reject(new Error(`import ended on its own (${code}): ${output}`)),
      );
    });
    const halfway = await database.db.order.count();
    expect(halfway).toBeGreaterThan(0);
    expect(halfway).toBeLessThan(ROWS - badRows.size);

    const second = await runCli(['import', file], env(), 240_000);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/resumed after line \d+/);
    // Every bad line is reported once, by the run that reached it (+1 for the header line).
    const reports = `${firstReport}${second.stdout}`;
    for (const line of [1_235, 40_001, 77_778, 100_000]) expect(reports.match(new RegExp(`^line ${line}: `, 'gm'))).toHaveLength(1);
    expect(reports).toMatch(/^line 1235: occurredAt /m);
    expect(reports).toMatch(/^line 40001: total 'abc' is not a number/m);
    expect(reports).toMatch(/^line 77778: properties\.orderId must not be empty/m);
    expect(reports).toMatch(/^line 100000: properties\.total must not be negative/m);

    expect(await database.db.order.count()).toBe(ROWS - badRows.size);
    expect(await database.db.event.count({ where: { type: 'order.placed' } })).toBe(ROWS - badRows.size);
    expect(await database.db.event.count({ where: { routedAt: null } })).toBe(0); // history starts no journeys
    const totals = await database.db.customer.aggregate({ _sum: { orderCount: true } });
    expect(totals._sum.orderCount).toBe(ROWS - badRows.size);
  }, 300_000);

  it('refuses a file it cannot read, in one sentence', async () => {
    const result = await runCli(['import', join(dir, 'missing.csv')], env());
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^aftercare: .*missing\.csv is not a readable file\.$/);
  });
});
