// How long `npm start` takes to answer /healthz on embedded defaults (first start on an empty
// DATA_DIR, then a restart), beside the bare cost of starting Node with the CLI (`--help`).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../runtime/local-processes.ts';
import { fmt } from './stats.ts';

const cli = fileURLToPath(new URL('../bin/aftercare.js', import.meta.url));

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(DATABASE_URL|TEMPORAL_ADDRESS|RESEND_API_KEY|PORT|DATA_DIR)$/.test(key)),
  );
  return { ...env, LOG_LEVEL: 'warn', ...extra };
}

/** Seconds until /healthz answers, and until the banner says everything (the demo included) is ready. */
async function timeToHealthy(dataDir: string): Promise<{ healthy: number; ready: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [cli, 'start'], {
    env: cleanEnv({ DATA_DIR: dataDir, PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let ready: number | null = null;
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (ready === null && output.includes('Aftercare is running.')) ready = (performance.now() - started) / 1000;
  });
  try {
    let healthy: number | null = null;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`aftercare start exited with ${child.exitCode}`);
      if (performance.now() - started > 180_000) throw new Error('aftercare start did not become ready in 180 s');
      if (healthy === null) {
        const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) healthy = (performance.now() - started) / 1000;
      }
      if (healthy !== null && ready !== null) return { healthy, ready };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

async function timeHelp(): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [cli, '--help'], { stdio: 'ignore' });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`--help exited ${code}`))));
  });
  return (performance.now() - started) / 1000;
}

export async function benchStartup(): Promise<Record<string, number>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'aftercare-bench-start-'));
  try {
    const baseline = await timeHelp();
    const first = await timeToHealthy(dataDir);
    const restart = await timeToHealthy(dataDir);
    console.log('startup    `aftercare start` on embedded defaults: until GET /healthz answers (goal: 10 s), and until the banner');
    console.log(
      `  first start  ${fmt(first.healthy, 2)} s healthy, ${fmt(first.ready, 2)} s ready   (empty DATA_DIR: initdb, migrations, Temporal dev server, worker bundle, demo routed and scored)`,
    );
    console.log(`  restart      ${fmt(restart.healthy, 2)} s healthy, ${fmt(restart.ready, 2)} s ready`);
    console.log(`  baseline     ${fmt(baseline, 2)} s for \`aftercare --help\`; first start = x${fmt(first.healthy / baseline, 1)}`);
    return {
      'startup.first_s': first.healthy,
      'startup.first_ready_s': first.ready,
      'startup.restart_s': restart.healthy,
      'startup.restart_ready_s': restart.ready,
      'startup.baseline_s': baseline,
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
