import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const cliPath = fileURLToPath(new URL('../../bin/aftercare.js', import.meta.url));

/** A clean environment for a child process: nothing of the developer's Aftercare config leaks in. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(DATABASE_URL|TEMPORAL_|TASK_QUEUE|RESEND_|AFTERCARE_|PORT|DATA_DIR|PUBLIC_URL|VITEST|NODE_OPTIONS)/.test(key)) env[key] = value;
  }
  return { ...env, LOG_LEVEL: 'warn', ...extra };
}

/** Every CLI process a test started that may still run, with its DATABASE_URL: a worker left running keeps its sessions. */
const children = new Map<ChildProcess, string | undefined>();

function spawnCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [cliPath, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.set(child, env.DATABASE_URL);
  child.once('close', () => children.delete(child));
  return child;
}

/**
 * Stops every CLI process of this test file still running (or only those on `databaseUrl`): SIGTERM,
 * then SIGKILL after `graceMs`. None outlives its file or keeps a session on a database being dropped.
 */
export async function stopRunningChildren(options: { databaseUrl?: string; graceMs?: number } = {}): Promise<void> {
  const { databaseUrl, graceMs = 15_000 } = options;
  await Promise.all(
    [...children]
      .filter(([, url]) => databaseUrl === undefined || url === databaseUrl)
      .map(async ([child]) => {
        const stopped = stopChild(child);
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await stopped;
        clearTimeout(timer);
        children.delete(child);
      }),
  );
}

export type CliResult = { code: number | null; stdout: string; stderr: string };

export function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`aftercare ${args.join(' ')} did not finish in ${timeoutMs} ms: ${stdout}${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a long-running command; resolves once its stdout matches `ready`. */
export function startCli(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 90_000,
): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, env);
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`aftercare ${args.join(' ')} was not ready in ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`aftercare ${args.join(' ')} exited with ${code}: ${output}`));
    });
  });
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.removeAllListeners('exit');
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}
