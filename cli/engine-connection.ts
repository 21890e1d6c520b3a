// Where one-shot commands find the database and Temporal: DATABASE_URL and TEMPORAL_ADDRESS when set,
// otherwise the engine that `npm start` runs on DATA_DIR (it keeps its addresses in
// DATA_DIR/engine.json while it runs). So `journeys publish`, `import`, `seed`, `outbox` and `churn
// recompute` work on a laptop with nothing configured, exactly as they do against production.
import type { Config } from '../runtime/config.ts';
import { findRunningEngine } from '../runtime/running-engine.ts';

export class NoEngineError extends Error {
  override name = 'UsageError';
}

function noEngine(config: Config, variable: string, purpose: string): NoEngineError {
  return new NoEngineError(
    `${variable} is not set and no Aftercare engine is running on DATA_DIR (${config.dataDir}): start one with \`npm start\`, or set ${variable} to ${purpose}.`,
  );
}

export async function databaseUrlFor(config: Config, purpose = 'the database to use'): Promise<string> {
  if (config.databaseUrl) return config.databaseUrl;
  const engine = await findRunningEngine(config.dataDir);
  if (engine?.databaseUrl) return engine.databaseUrl;
  throw noEngine(config, 'DATABASE_URL', purpose);
}

export async function temporalAddressFor(config: Config): Promise<string> {
  if (config.temporalAddress) return config.temporalAddress;
  const engine = await findRunningEngine(config.dataDir);
  if (engine?.temporalAddress) return engine.temporalAddress;
  throw noEngine(config, 'TEMPORAL_ADDRESS', 'your Temporal server (host:port)');
}

/** A database client for a one-shot command (`purpose` says, if none is found, what it was for). */
export async function openDatabase(purpose: string, connections = 2) {
  // Loaded here, not at the top: Prisma is heavy, and `aftercare --help` should stay quick.
  const [{ loadConfig }, { createDatabase }] = await Promise.all([import('../runtime/config.ts'), import('../runtime/database.ts')]);
  return createDatabase(await databaseUrlFor(loadConfig(process.env), purpose), connections);
}
