// Journey definitions as stored data: parsing YAML/JSON, publishing immutable versions, and the
// shipped journeys of `journeys/`.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { type JourneyDefinition, validateJourneyDefinition } from '../core/journey/definition.ts';
import type { Database, Prisma } from '../runtime/database.ts';

export const shippedJourneysDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'journeys');

export class JourneyDefinitionError extends Error {
  constructor(readonly errors: { path: string; message: string }[]) {
    super(errors.map((error) => `${error.path}: ${error.message}`).join('; '));
  }
}

export function parseDefinitionText(text: string, fileName = 'definition.yaml'): JourneyDefinition {
  let raw: unknown;
  try {
    raw = extname(fileName) === '.json' ? JSON.parse(text) : parseYaml(text, { logLevel: 'error' });
  } catch (error) {
    throw new JourneyDefinitionError([
      { path: '(file)', message: `is not valid ${extname(fileName) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}` },
    ]);
  }
  const result = validateJourneyDefinition(raw);
  if (!result.ok) throw new JourneyDefinitionError(result.errors);
  return result.definition;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const definitionChecksum = (definition: JourneyDefinition) => createHash('sha256').update(canonicalJson(definition)).digest('hex');

export type PublishResult = { key: string; version: number; created: boolean };

/**
 * Publishes a definition as the journey's next version, unless it equals the current one. Versions
 * are inserted, never updated; concurrent publishes of one journey take turns on an advisory lock.
 */
export async function publishJourney(db: Database, definition: JourneyDefinition, publishedBy?: string): Promise<PublishResult> {
  const checksum = definitionChecksum(definition);
  return db.$transaction(async (tx) => {
    // Processes that start together (API and workers all publish the shipped journeys) take turns,
    // so the second finds the first's version instead of failing on the version's primary key.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`journey-publish:${definition.key}`}))`;
    const journey = await tx.journey.upsert({
      where: { key: definition.key },
      update: { name: definition.name },
      create: { key: definition.key, name: definition.name },
    });
    if (journey.currentVersion !== null) {
      const current = await tx.journeyVersion.findUniqueOrThrow({
        where: { journeyKey_version: { journeyKey: journey.key, version: journey.currentVersion } },
      });
      if (current.checksum === checksum) return { key: journey.key, version: current.version, created: false };
    }
    const latest = await tx.journeyVersion.aggregate({ where: { journeyKey: journey.key }, _max: { version: true } });
    const version = (latest._max.version ?? 0) + 1;
    await tx.journeyVersion.create({
      data: {
        journeyKey: journey.key,
        version,
        definition: definition as unknown as Prisma.InputJsonValue,
        checksum,
        publishedBy: publishedBy ?? null,
      },
    });
    await tx.journey.update({ where: { key: journey.key }, data: { currentVersion: version } });
    return { key: journey.key, version, created: true };
  });
}

export async function readShippedJourneys(dir = shippedJourneysDir): Promise<JourneyDefinition[]> {
  const files = (await readdir(dir)).filter((file) => /\.(ya?ml|json)$/.test(file)).sort();
  return Promise.all(
    files.map(async (file) => {
      try {
        return parseDefinitionText(await readFile(join(dir, file), 'utf8'), file);
      } catch (error) {
        throw new Error(`journeys/${file}: ${(error as Error).message}`);
      }
    }),
  );
}

const SHIPPED_BY = 'aftercare';

/**
 * Publishes every shipped journey that is new, or changed in a new release of Aftercare. A journey
 * whose current version a person published is theirs: a restart never overwrites it.
 */
export async function publishShippedJourneys(db: Database): Promise<PublishResult[]> {
  const results: PublishResult[] = [];
  for (const definition of await readShippedJourneys()) {
    const journey = await db.journey.findUnique({ where: { key: definition.key } });
    if (journey?.currentVersion != null) {
      const current = await db.journeyVersion.findUnique({
        where: { journeyKey_version: { journeyKey: journey.key, version: journey.currentVersion } },
      });
      if (current && current.publishedBy !== SHIPPED_BY) continue;
    }
    results.push(await publishJourney(db, definition, SHIPPED_BY));
  }
  return results;
}

export type ActiveJourney = { key: string; version: number; definition: JourneyDefinition };

/** A stored version whose definition no longer passes the schema (written by hand, or by an older schema). */
export class StoredDefinitionError extends Error {
  constructor(
    readonly journeyKey: string,
    readonly version: number,
    readonly errors: { path: string; message: string }[],
  ) {
    super(
      `The stored definition of journey ${journeyKey} version ${version} does not parse: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    );
  }
}

/** Parsed definitions by key, version and checksum: a version is never updated, so it is parsed once. */
const parsedDefinitions = new Map<string, JourneyDefinition>();
const PARSED_DEFINITIONS_KEPT = 1_000;

/**
 * A stored JourneyVersion's definition, parsed through the schema (with its defaults) on its way to the
 * interpreter rather than cast; throws StoredDefinitionError when it does not parse.
 */
export function storedDefinition(version: {
  journeyKey: string;
  version: number;
  checksum: string;
  definition: unknown;
}): JourneyDefinition {
  const cacheKey = `${version.journeyKey}\u0000${version.version}\u0000${version.checksum}`;
  const cached = parsedDefinitions.get(cacheKey);
  if (cached) return cached;
  const result = validateJourneyDefinition(version.definition);
  if (!result.ok) throw new StoredDefinitionError(version.journeyKey, version.version, result.errors);
  if (parsedDefinitions.size >= PARSED_DEFINITIONS_KEPT) parsedDefinitions.delete(parsedDefinitions.keys().next().value as string);
  parsedDefinitions.set(cacheKey, result.definition);
  return result.definition;
}

/** The active journeys at their current versions; throws when a current version cannot be read or parsed. */
export async function activeJourneys(db: Database): Promise<ActiveJourney[]> {
  const journeys = await db.journey.findMany({ where: { status: 'active', currentVersion: { not: null } } });
  if (journeys.length === 0) return [];
  const versions = await db.journeyVersion.findMany({
    where: { OR: journeys.map((journey) => ({ journeyKey: journey.key, version: journey.currentVersion as number })) },
  });
  // Routing on a partial list would silently skip a journey's enrollments.
  const missing = journeys.filter((journey) => !versions.some((version) => version.journeyKey === journey.key));
  if (missing.length > 0)
    throw new Error(`The current version of journey ${missing.map((journey) => journey.key).join(', ')} was not found.`);
  return versions.map((version) => ({
    key: version.journeyKey,
    version: version.version,
    definition: storedDefinition(version),
  }));
}
