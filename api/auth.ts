// Bearer API keys for /v1. Keys are looked up by hash; a short cache keeps the lookup off the hot path
// while a revoked key stops working within the cache's lifetime. The cache is bounded and remembers
// refusals too, so a stream of made-up keys costs neither memory nor a query per repeat (and the
// per-key rate limit, applied before this check, bounds how many new ones arrive).
import type { FastifyRequest } from 'fastify';
import { type Actor, type Scope, scopes } from '../core/access/permissions.ts';
import type { Database } from '../runtime/database.ts';
import { hashApiKey } from './api-keys.ts';
import { HttpError } from './errors.ts';

const CACHE_MS = 30_000;
/** Keys remembered at once; the least recently used goes first. */
export const API_KEY_CACHE_SIZE = 10_000;

export function createApiKeyCheck(db: Database) {
  const cache = new Map<string, { actor: Actor | null; until: number }>();
  return Object.assign(requireApiKey, { cacheSize: () => cache.size });
  async function requireApiKey(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) throw new HttpError(401, 'unauthorized', 'Send an API key as `Authorization: Bearer <key>`.', 'authorization');
    const hash = hashApiKey(match[1]);
    const now = Date.now();
    let entry = cache.get(hash);
    if (entry) cache.delete(hash); // re-inserted below: a Map iterates in insertion order, so this is an LRU
    if (!entry || entry.until < now) {
      const key = await db.apiKey.findUnique({ where: { hash }, include: { user: true } });
      const usable = key && !key.revokedAt && !key.user?.disabledAt;
      entry = {
        actor: usable
          ? {
              kind: 'key',
              keyId: key.id,
              userId: key.userId,
              role: key.user?.role ?? null,
              scopes: key.scopes.filter((scope): scope is Scope => (scopes as readonly string[]).includes(scope)),
            }
          : null,
        until: now + CACHE_MS,
      };
    }
    cache.set(hash, entry);
    if (cache.size > API_KEY_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    if (!entry.actor) throw new HttpError(401, 'unauthorized', 'The API key is not valid.', 'authorization');
    request.actor = entry.actor;
  }
}
