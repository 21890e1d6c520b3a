// Where the Temporal CLI (dev server) and the time-skipping test server come from, in order: an env
// var, the project-local venv that `npm install` fills from PyPI, PATH, else the SDK's own download.
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EphemeralServerExecutable } from '@temporalio/testing';
import { StartupError } from './startup-error.ts';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function resolve(envVar: string, binary: string): EphemeralServerExecutable {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    if (!existsSync(fromEnv))
      throw new StartupError(`${envVar} names ${fromEnv}, which does not exist: point it at the Temporal binary, or unset it.`);
    return { type: 'existing-path', path: fromEnv };
  }
  const local = join(projectRoot, '.tools', 'venv', 'bin', binary);
  if (existsSync(local)) return { type: 'existing-path', path: local };
  const onPath = findOnPath(binary);
  if (onPath) return { type: 'existing-path', path: onPath };
  return { type: 'cached-download', downloadDir: join(projectRoot, '.tools', 'downloads') };
}

export const temporalCliExecutable = (): EphemeralServerExecutable => resolve('TEMPORAL_CLI_PATH', 'temporal');
export const temporalTestServerExecutable = (): EphemeralServerExecutable => resolve('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server');
