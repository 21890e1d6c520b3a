// What the embedded services share: finding a free local port, telling whether one is taken, and
// stopping a server left behind by an engine that was killed (`kill -9` ends the Node process, not
// the PostgreSQL or Temporal server it started).
import { readFile } from 'node:fs/promises';
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
