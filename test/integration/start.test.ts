// `npm start` on a laptop with nothing configured: a real embedded PostgreSQL, a Temporal dev server and
// the local outbox, all under DATA_DIR. The demo business shows the product working, the CLI works
// against the running engine, a restart keeps the data and the waiting journeys, and what can go
// wrong at start gets one sentence and a non-zero exit with nothing left half-started.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../runtime/local-processes.ts';
import { runCli, startCli, stopChild } from '../support/cli.ts';
import { BANNER } from '../support/embedded-engine.ts';
import { customerUpserted, orderPlaced } from '../support/events.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function newDataDir(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'aftercare-start-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  return dataDir;
}

describe('aftercare start', () => {
  it('runs on embedded defaults with a demo that shows the product working, serves the CLI, and keeps everything across a restart', async () => {
    const dataDir = await newDataDir();
    const port = await freePort();
    const env = { DATA_DIR: dataDir, PORT: String(port) };

    const first = await startCli(['start'], env, BANNER, 120_000);
    cleanups.push(() => stopChild(first.child));
    const base = `http://localhost:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    const output = first.output();
    expect(output).toContain(`API:             ${base}`);
    expect(output).toMatch(/Database:\s+postgresql:\/\/postgres@127\.0\.0\.1:\d+\/aftercare \(embedded PostgreSQL/);
    expect(output).not.toMatch(/postgres:[^@\s]+@/); // no password on the terminal
    expect(output).toContain('npx aftercare outbox');
    expect(output).toMatch(/Demo data:\s+\d+ events/);
    // A quiet start: no bundler listing, no SDK lifecycle chatter at the default level.
    expect(output).not.toMatch(/webpack|modules by path|Worker state changed|No workflows registered/);
    const apiKey = /API key:\s+(ak_\S+)/.exec(output)?.[1] as string;
    expect(apiKey).toBeDefined();
    const temporalAddress = /Temporal:\s+(\S+)/.exec(output)?.[1] as string;
    const get = (path: string) =>
      fetch(`${base}${path}`, { headers: { authorization: `Bearer ${apiKey}` } }).then((response) => response.json());

    // The demo: journeys in progress, the service recovery's alert and apology, and scored customers.
    const journeys = (await get('/v1/journeys')) as { journeys: { key: string; enrollments: { running: number } }[] };
    const running = Object.fromEntries(journeys.journeys.map((journey) => [journey.key, journey.enrollments.running]));
    expect(running['post-purchase-checkin']).toBeGreaterThan(0);
    expect(running['win-back']).toBeGreaterThan(0);
    expect(running['service-recovery']).toBe(1);
    expect(((await get('/v1/churn/model')) as { customers: number }).customers).toBeGreaterThan(0);

    // The CLI finds the engine by itself.
    const list = await runCli(['journeys', 'list'], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/service-recovery\s+active\s+v1\s+1\s+1/);
    const outbox = await runCli(['outbox'], env);
    expect(outbox.code, outbox.stderr).toBe(0);
    expect(outbox.stdout).toMatch(/sam\.rivera@example\.com\s+We are sorry, Sam/);
    // Win-backs may have gone out too (a weekday morning somewhere): show the apology by its id.
    const apologyId = /^(\S+)\s+\S+ \S+\s+sam\.rivera@example\.com/m.exec(outbox.stdout)?.[1] as string;
    const shown = await runCli(['outbox', '--show', apologyId], env);
    expect(shown.stdout).toMatch(/^From: .*\nTo:\s+sam\.rivera@example\.com\n/m);
    expect(shown.stdout).toContain('Someone from our team will look into it personally');
    const recompute = await runCli(['churn', 'recompute', '--wait'], env, 120_000);
    expect(recompute.code, recompute.stderr).toBe(0);
    expect(recompute.stdout).toMatch(/Scored \d+ customers/);
    const journeyFile = join(dataDir, 'thank-you.yaml');
    await writeFile(
      journeyFile,
      'key: thank-you\nname: Thank you\ntrigger: { event: order.placed }\nentity: order\ncategory: transactional\nsteps:\n  - id: wait\n    wait: { duration: P1D }\n  - id: thanks\n    send: { template: checkin, survey: { kind: csat } }\n',
    );
    const published = await runCli(['journeys', 'publish', journeyFile], env);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toContain("Published journey 'thank-you' version 1.");
    const importFile = join(dataDir, 'history.csv');
    await writeFile(
      importFile,
      'customer_id,order_id,date,total,currency\nimported-1,imp-1,2025-01-10,40,EUR\nimported-1,imp-2,2025-03-02,55,EUR\n',
    );
    const imported = await runCli(['import', importFile], env);
    expect(imported.code, imported.stderr).toBe(0);
    const seeded = await runCli(['seed', '--demo'], env);
    expect(seeded.code, seeded.stderr).toBe(0); // the same demo again: nothing new, nothing broken

    // A second engine on the same DATA_DIR is refused, and leaves the first one alone.
    const second = await runCli(['start'], { ...env, PORT: String(await freePort()) }, 60_000);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/^aftercare: Another Aftercare engine \(pid \d+\) is running on .*: stop it first/);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    const order = orderPlaced('laptop-customer', 'laptop-order-1');
    const post = (body: unknown) =>
      fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as { accepted: number; results: { status: string }[] },
      }));
    const accepted = await post({ events: [customerUpserted('laptop-customer'), order] });
    expect(accepted.status).toBe(202);
    expect(accepted.body.accepted).toBe(2);

    const workflowId = 'journey/post-purchase-checkin/laptop-customer/order:laptop-order-1';
    const describeWorkflow = async (address: string) => {
      const connection = await Connection.connect({ address });
      try {
        return await new Client({ connection }).workflow.getHandle(workflowId).describe();
      } finally {
        await connection.close();
      }
    };
    expect((await describeWorkflow(temporalAddress)).status.name).toBe('RUNNING');

    expect(await stopChild(first.child, 'SIGTERM')).toBe(0);
    const afterStop = await runCli(['journeys', 'list'], env);
    expect(afterStop.code).toBe(2);
    expect(afterStop.stderr).toMatch(/no Aftercare engine is running on DATA_DIR .*: start one with `npm start`/);

    const restarted = await startCli(['start'], env, BANNER, 120_000);
    cleanups.push(() => stopChild(restarted.child));
    const restartedOutput = restarted.output();
    expect(/API key:\s+(ak_\S+)/.exec(restartedOutput)?.[1]).toBe(apiKey);
    expect(restartedOutput).not.toMatch(/Demo data/); // seeded once, on the empty database only
    const replay = await post(order);
    expect(replay.body.results[0]?.status).toBe('duplicate');
    const restartedTemporal = /Temporal:\s+(\S+)/.exec(restartedOutput)?.[1] as string;
    expect((await describeWorkflow(restartedTemporal)).status.name).toBe('RUNNING');
    expect(await stopChild(restarted.child, 'SIGTERM')).toBe(0);
  }, 300_000);

  describe('refuses to start, in one sentence, with nothing left running', () => {
    it('when the API port is taken', async () => {
      const dataDir = await newDataDir();
      const port = await freePort();
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
      try {
        const result = await runCli(['start'], { DATA_DIR: dataDir, PORT: String(port) });
        expect(result.code).toBe(2);
        expect(result.stderr).toBe(
          `aftercare: Port ${port} on 127.0.0.1 is already in use: stop what uses it, or set PORT to another port.\n`,
        );
        expect(await readdir(dataDir)).toEqual([]); // checked before the database or Temporal started
      } finally {
        blocker.close();
      }
    });

    it('when DATA_DIR holds the database of the earlier PGlite version', async () => {
      const dataDir = await newDataDir();
      // What the PGlite version left: a PostgreSQL data folder without the embedded server's settings.
      await mkdir(join(dataDir, 'postgres', 'base'), { recursive: true });
      await writeFile(join(dataDir, 'postgres', 'PG_VERSION'), '18\n');
      const result = await runCli(['start'], { DATA_DIR: dataDir, PORT: String(await freePort()) });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /^aftercare: .*postgres holds a database made by an earlier Aftercare version \(PGlite\).*move that folder away/,
      );
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(await readdir(join(dataDir, 'postgres'))).toEqual(['PG_VERSION', 'base']); // not touched
    });

    it('when DATA_DIR is not a folder', async () => {
      const dataDir = await newDataDir();
      const file = join(dataDir, 'a-file');
      await writeFile(file, 'not a folder');
      const result = await runCli(['start'], { DATA_DIR: file, PORT: String(await freePort()) });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^aftercare: DATA_DIR \(.*a-file\) cannot be used as a folder \(EEXIST|ENOTDIR/);
    });

    it('when the Temporal binary is missing', async () => {
      const dataDir = await newDataDir();
      const result = await runCli(['start'], {
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
        TEMPORAL_CLI_PATH: '/nonexistent/temporal',
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^aftercare: TEMPORAL_CLI_PATH names \/nonexistent\/temporal, which does not exist/);
      // The database that had started alongside was stopped again.
      const { stdout } = await import('node:child_process').then(({ execFileSync }) => ({
        stdout: execFileSync('ps', ['-eo', 'args']).toString(),
      }));
      expect(stdout).not.toContain(join(dataDir, 'postgres'));
    });
  });
});
