// /v1/policies: the business's send policies (quiet hours, frequency caps per class of message, the
// priority decision window). GET reads the version in force, PUT makes a new immutable version (a PUT
// that changes nothing makes none), GET /v1/policies/versions lists them with who changed what.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponseSchema } from '../core/events/event-documentation.ts';
import { policyDocumentSchema } from '../core/policy/policy-document.ts';
import { currentPolicyVersion, listPolicyVersions, PolicyVersionConflictError, publishPolicies } from '../messaging/send-policies.ts';
import type { Database } from '../runtime/database.ts';
import { requireAccess } from './actor.ts';
import { HttpError } from './errors.ts';

const versionSchema = z.object({
  version: z.number().int().describe('0: the built-in defaults, before any change'),
  policies: policyDocumentSchema,
  note: z.string().nullable(),
  createdAt: z.string().nullable(),
  createdBy: z.object({ userId: z.string().nullable(), keyId: z.string().nullable(), name: z.string().nullable() }).nullable(),
});

const putBodySchema = policyDocumentSchema.extend({
  note: z.string().max(500).optional().describe('Why, for the version history'),
  expectedVersion: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('The version this change was made from: refused with 409 if the policies changed since'),
});

export const policiesRoutes = (deps: { db: Database }): FastifyPluginAsyncZod =>
  async function routes(app) {
    app.get(
      '/policies',
      {
        schema: {
          summary: 'The send policies in force: quiet hours, frequency caps per class, the priority decision window',
          tags: ['policies'],
          response: { 200: versionSchema, 401: errorResponseSchema, 403: errorResponseSchema },
        },
      },
      async (request) => {
        requireAccess(request, 'policies.read');
        return currentPolicyVersion(deps.db);
      },
    );

    app.get(
      '/policies/versions',
      {
        schema: {
          summary: 'Every version of the send policies, newest first, with who changed them',
          tags: ['policies'],
          response: { 200: z.object({ versions: z.array(versionSchema) }), 401: errorResponseSchema, 403: errorResponseSchema },
        },
      },
      async (request) => {
        requireAccess(request, 'policies.read');
        return { versions: await listPolicyVersions(deps.db) };
      },
    );

    app.put(
      '/policies',
      {
        schema: {
          summary: 'Change the send policies: a new version, in force for every send decided from now on',
          tags: ['policies'],
          body: putBodySchema,
          response: {
            200: versionSchema.extend({ changed: z.boolean() }),
            401: errorResponseSchema,
            403: errorResponseSchema,
            409: errorResponseSchema,
            422: errorResponseSchema,
          },
        },
      },
      async (request) => {
        const actor = requireAccess(request, 'policies.write');
        const { note, expectedVersion, ...document } = request.body;
        try {
          const { changed, current } = await publishPolicies(deps.db, actor, document, { note, expectedVersion });
          return { ...current, changed };
        } catch (error) {
          if (error instanceof PolicyVersionConflictError) throw new HttpError(409, 'version_conflict', error.message, 'expectedVersion');
          throw error;
        }
      },
    );
  };
