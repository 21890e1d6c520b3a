// What the embedded services share: finding a free local port, telling whether one is taken, and
// stopping a server left behind by an engine that was killed (`kill -9` ends the Node process, not
// the PostgreSQL or Temporal server it started).
import { readdir, readFile, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves when `port` can be bound on `host`, rejects with the bind error otherwise. */
function bind(port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const chosen = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(chosen));
    });
  });
}

export async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return bind(port, host).then(
    () => true,
    () => false,
  );
}

/** `preferred` when it is free, else any free port. */
export async function freePort(preferred = 0): Promise<number> {
  try {
    return await bind(preferred, '127.0.0.1');
  } catch {
    return bind(0, '127.0.0.1');
  }
}

export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user (PostgreSQL runs as `postgres` under root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a live process, or null (gone, or not Linux). */
export async function commandLineOf(pid: number): Promise<string | null> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ').trim();
  } catch {
    return null;
  }
}

/** Sends `signal`, then waits up to `timeoutMs` for the process to go; SIGKILL after that. */
export async function stopProcess(pid: number, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (processIsAlive(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        return;
      }
      await sleep(200);
      return;
    }
    await sleep(50);
  }
}

/**
 * Whether process `pid` holds the listening socket of 127.0.0.1:`port`, read from /proc; null where
 * /proc cannot tell (not Linux). A server that answers on a port is not necessarily the one just
 * started: when two engines start at once, the other engine's server may hold it.
 */
export async function listensOn(pid: number, port: number): Promise<boolean | null> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let inodes: string[];
  try {
    const tables = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((path) => readFile(path, 'utf8').catch(() => '')));
    if (tables.every((table) => table === '')) return null;
    inodes = tables
      .flatMap((table) => table.split('\n').slice(1))
      .map((line) => line.trim().split(/\s+/))
      // local_address ends in :PORT, state 0A is LISTEN, the inode is the tenth column.
      .filter((columns) => columns[1]?.endsWith(`:${hexPort}`) && columns[3] === '0A')
      .map((columns) => columns[9] as string);
  } catch {
    return null;
  }
  if (inodes.length === 0) return false;
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch (error) {
    // Gone: a server that exited over the taken port holds nothing.
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? false : null;
  }
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    if (inodes.some((inode) => target === `socket:[${inode}]`)) return true;
  }
  return false;
}
