// GET /v1/messages/:id: the rendered content of an email sent to a customer (what the timeline links to),
// exactly as it was stored before the send.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponseSchema } from '../core/events/event-documentation.ts';
import type { Database } from '../runtime/database.ts';
import { requireAccess } from './actor.ts';
import { HttpError } from './errors.ts';

const messageSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  template: z.string(),
  locale: z.string(),
  category: z.enum(['transactional', 'marketing']),
  journeyKey: z.string().nullable(),
  toAddress: z.string().nullable(),
  status: z.string(),
  reason: z.string().nullable(),
  subject: z.string().nullable(),
  html: z.string().nullable(),
  text: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});

export const messagesRoutes = (deps: { db: Database }): FastifyPluginAsyncZod =>
  async function routes(app) {
    app.get(
      '/messages/:id',
      {
        schema: {
          summary: "A customer message's rendered subject, HTML and text, and its delivery status",
          tags: ['customers'],
          params: z.object({ id: z.string().min(1).max(256) }),
          response: { 200: messageSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema },
        },
      },
      async (request) => {
        requireAccess(request, 'customers.read');
        const message = await deps.db.message.findUnique({
          where: { id: request.params.id },
          include: { customer: { select: { externalId: true } }, enrollment: { select: { journeyKey: true } } },
        });
        if (!message) throw new HttpError(404, 'not_found', `No message has the id '${request.params.id}'.`, 'id');
        return {
          id: message.id,
          customerId: message.customer.externalId,
          template: message.template,
          locale: message.locale,
          category: message.category,
          journeyKey: message.enrollment?.journeyKey ?? null,
          toAddress: message.toAddress,
          status: message.status,
          reason: message.reason,
          subject: message.subject,
          html: message.html,
          text: message.text,
          createdAt: message.createdAt.toISOString(),
          sentAt: message.sentAt?.toISOString() ?? null,
        };
      },
    );
  };
