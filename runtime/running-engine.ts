// How one-shot commands find the engine that `npm start` runs with nothing configured: while it runs,
// the engine keeps DATA_DIR/engine.json (owner-only, like the database password file beside it) with
// its process id and the addresses of its database, Temporal server and API. The same file stops a
// second engine from starting on the same DATA_DIR.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { commandLineOf, processIsAlive } from './local-processes.ts';
import { StartupError } from './startup-error.ts';

export type RunningEngine = {
  pid: number;
  startedAt: string;
  /** Null until the engine is up. */
  databaseUrl: string | null;
  temporalAddress: string | null;
  apiUrl: string | null;
};

const FILE = 'engine.json';

async function read(dataDir: string): Promise<RunningEngine | null> {
  try {
    return JSON.parse(await readFile(join(resolve(dataDir), FILE), 'utf8')) as RunningEngine;
  } catch {
    return null;
  }
}

async function write(dataDir: string, engine: RunningEngine): Promise<void> {
  const file = join(resolve(dataDir), FILE);
  await writeFile(`${file}.tmp`, `${JSON.stringify(engine, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

async function isLive(engine: RunningEngine | null): Promise<boolean> {
  if (!engine || engine.pid === process.pid || !processIsAlive(engine.pid)) return false;
  // A pid reused by an unrelated process after a crash does not hold the folder.
  const command = await commandLineOf(engine.pid);
  return command === null || command.includes('aftercare');
}

/** Takes DATA_DIR for this process, refusing when another live engine holds it. */
export async function claimDataDir(dataDir: string): Promise<void> {
  const current = await read(dataDir);
  if (await isLive(current)) {
    throw new StartupError(
      `Another Aftercare engine (pid ${current?.pid}) is running on ${resolve(dataDir)}: stop it first, or set DATA_DIR to another folder.`,
    );
  }
  try {
    await write(dataDir, { pid: process.pid, startedAt: new Date().toISOString(), databaseUrl: null, temporalAddress: null, apiUrl: null });
  } catch (error) {
    throw new StartupError(
      `DATA_DIR (${resolve(dataDir)}) cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): set DATA_DIR to a folder you can write to.`,
    );
  }
}

export async function announceEngine(dataDir: string, addresses: Pick<RunningEngine, 'databaseUrl' | 'temporalAddress' | 'apiUrl'>) {
  const current = await read(dataDir);
  await write(dataDir, { pid: process.pid, startedAt: current?.startedAt ?? new Date().toISOString(), ...addresses });
}

export async function releaseDataDir(dataDir: string): Promise<void> {
  const current = await read(dataDir);
  if (current?.pid === process.pid) await rm(join(resolve(dataDir), FILE), { force: true });
}

/** The engine running on DATA_DIR, once it is up; null when none is. */
export async function findRunningEngine(dataDir: string): Promise<RunningEngine | null> {
  const current = await read(dataDir);
  return (await isLive(current)) && current?.databaseUrl ? current : null;
}
