// The actor of a request, set by authentication (api/auth.ts), and the one check routes make: the
// action they perform, judged by core/access/permissions.ts. A refusal is 403 naming the action.
import type { FastifyRequest } from 'fastify';
import { type Action, type Actor, refusal } from '../core/access/permissions.ts';
import { HttpError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor)
    throw new HttpError(401, 'unauthorized', 'Sign in, or send an API key as `Authorization: Bearer <key>`.', 'authorization');
  return request.actor;
}

/** Throws 403 unless the request's actor may perform `action`; returns the actor. */
export function requireAccess(request: FastifyRequest, action: Action): Actor {
  const actor = actorOf(request);
  const why = refusal(actor, action);
  if (why) throw new HttpError(403, 'forbidden', `This ${actor.kind === 'user' ? 'account' : 'API key'} ${why} (${action}).`);
  return actor;
}
