// `aftercare start` on embedded defaults in a child process, as a newcomer runs it: its own DATA_DIR
// and port, the API key read from the banner, and the engine's database reachable through the
// connection file it keeps in DATA_DIR.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../runtime/local-processes.ts';
import { startCli, stopChild } from './cli.ts';

export const BANNER = /Aftercare is running\.[\s\S]*?\n\n/;

export type EmbeddedEngine = {
  dataDir: string;
  port: number;
  base: string;
  env: Record<string, string>;
  child: ChildProcess;
  output: () => string;
  apiKey: string;
  /** Starts the engine again on the same DATA_DIR (after `stop` or `kill`). */
  restart(): Promise<void>;
  stop(): Promise<number | null>;
  kill(): Promise<void>;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown; text: string }>;
  query<T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>;
  /** Stops the engine if it runs and removes DATA_DIR. */
  dispose(): Promise<void>;
};

export async function startEmbeddedEngine(extraEnv: Record<string, string> = {}): Promise<EmbeddedEngine> {
  const dataDir = await mkdtemp(join(tmpdir(), 'aftercare-engine-'));
  const port = await freePort();
  const env = { DATA_DIR: dataDir, PORT: String(port), AFTERCARE_SEED_DEMO: 'never', ...extraEnv };
  let started = await startCli(['start'], env, BANNER, 120_000);
  let pool: pg.Pool | null = null;
  const apiKey = /API key:\s+(ak_\S+)/.exec(started.output())?.[1];
  if (!apiKey) throw new Error(`no API key in the banner: ${started.output()}`);
  const closePool = async () => {
    await pool?.end().catch(() => undefined);
    pool = null;
  };
  const engine: EmbeddedEngine = {
    dataDir,
    port,
    base: `http://127.0.0.1:${port}`,
    env,
    get child() {
      return started.child;
    },
    output: () => started.output(),
    apiKey,
    async restart() {
      await closePool();
      started = await startCli(['start'], env, BANNER, 120_000);
    },
    async stop() {
      await closePool();
      return stopChild(started.child, 'SIGTERM');
    },
    async kill() {
      await closePool();
      await stopChild(started.child, 'SIGKILL');
    },
    async call(method, path, body) {
      const response = await fetch(`${engine.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
      return { status: response.status, body: parsed, text };
    },
    async query(text, values) {
      if (!pool) {
        const running = JSON.parse(await readFile(join(dataDir, 'engine.json'), 'utf8')) as { databaseUrl: string };
        pool = new pg.Pool({ connectionString: running.databaseUrl, max: 2 });
        pool.on('error', () => undefined);
      }
      return (await pool.query(text, values as unknown[])).rows;
    },
    async dispose() {
      await closePool();
      await stopChild(started.child, 'SIGTERM');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return engine;
}

export async function waitFor<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    last = await probe();
  }
  return last;
}
