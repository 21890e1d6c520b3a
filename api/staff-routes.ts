// GET /v1/staff: the active staff users (id, name, role), for choosing whom to assign an account or an alert
// to. Emails, sign-ins and disabled users are for admins (`aftercare users list`), not for this list.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { staffRoles } from '../core/access/permissions.ts';
import { errorResponseSchema } from '../core/events/event-documentation.ts';
import type { Database } from '../runtime/database.ts';
import { listActiveStaff } from '../workspace/account-actions.ts';
import { requireAccess } from './actor.ts';

const staffSchema = z.object({
  staff: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      role: z.enum(staffRoles),
      /** May own accounts and alerts: a success manager or an admin. */
      assignable: z.boolean(),
    }),
  ),
});

export const staffRoutes = (deps: { db: Database }): FastifyPluginAsyncZod =>
  async function routes(app) {
    app.get(
      '/staff',
      {
        schema: {
          summary: 'The active staff users, by name: who an account or an alert can be assigned to',
          tags: ['staff'],
          response: { 200: staffSchema, 401: errorResponseSchema, 403: errorResponseSchema },
        },
      },
      async (request) => {
        requireAccess(request, 'staff.read');
        return { staff: await listActiveStaff(deps.db) };
      },
    );
  };
