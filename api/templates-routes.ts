// GET /v1/templates and POST /v1/templates/:name/preview: what a message looks like, rendered with a
// real customer's data (their latest order, or the one named) or with sample data, in their locale.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponseSchema } from '../core/events/event-documentation.ts';
import { loadRenderSubject, type RenderSettings, renderData } from '../messaging/render-data.ts';
import { TemplateNotFoundError, type TemplateStore } from '../messaging/template-store.ts';
import { validateTemplate } from '../messaging/template-validation.ts';
import type { Database } from '../runtime/database.ts';
import { requireAccess } from './actor.ts';
import { HttpError } from './errors.ts';

export type TemplatesRoutesDeps = {
  db: Database;
  templates: TemplateStore;
  settings: RenderSettings;
  defaults: { locale: string; timezone: string };
};

const previewBody = z
  .strictObject({
    customerId: z.string().min(1).optional().describe("the business's customer id: render with their data"),
    orderId: z.string().min(1).optional().describe('with customerId: this order instead of their latest'),
    data: z.record(z.string(), z.unknown()).optional().describe('sample data laid over the template sample (without customerId)'),
    locale: z.string().min(2).max(35).optional(),
    timezone: z.string().optional(),
    survey: z.enum(['csat', 'nps']).optional().describe('render the survey block as a step with this survey would'),
  })
  .refine((body) => !(body.customerId && body.data), { message: 'give either customerId or data, not both', path: ['data'] });

const previewResponse = z.object({
  template: z.string(),
  variant: z.string().nullable(),
  locale: z.string(),
  category: z.enum(['marketing', 'transactional']),
  subject: z.string(),
  html: z.string(),
  text: z.string(),
});

export const templatesRoutes = (deps: TemplatesRoutesDeps): FastifyPluginAsyncZod =>
  async function routes(app) {
    app.get(
      '/templates',
      {
        schema: {
          summary: 'List the message templates',
          tags: ['templates'],
          response: {
            200: z.object({
              templates: z.array(
                z.object({
                  name: z.string(),
                  description: z.string(),
                  category: z.enum(['marketing', 'transactional']),
                  variants: z.array(z.string()),
                  locale: z.string().describe('the language of the default files'),
                  subject: z.string().describe("the default files' subject, as written (Handlebars)"),
                  usesSurvey: z.boolean().describe('the template shows a survey block: preview it with `survey`, as its send step would'),
                }),
              ),
            }),
          },
        },
      },
      async (request) => {
        requireAccess(request, 'templates.read');
        const names = await deps.templates.list();
        const templates = await Promise.all(
          names.map(async (name) => {
            const [template, sources] = await Promise.all([deps.templates.get(name), deps.templates.sources(name)]);
            return {
              name,
              description: template.meta.description,
              category: template.meta.category,
              variants: await deps.templates.variants(name),
              locale: template.locale,
              subject: sources.subject.trim(),
              usesSurvey: /\bsurvey\b/.test(`${sources.subject}${sources.html}${sources.text}`),
            };
          }),
        );
        return { templates };
      },
    );

    app.post(
      '/templates/:name/preview',
      {
        schema: {
          summary: "Render a template with a customer's data or sample data",
          tags: ['templates'],
          params: z.object({ name: z.string() }),
          body: previewBody,
          response: { 200: previewResponse, 404: errorResponseSchema, 422: errorResponseSchema },
        },
      },
      async (request) => {
        requireAccess(request, 'templates.read');
        const { name } = request.params;
        const body = request.body ?? {};
        let subject = null;
        if (body.customerId) {
          subject = await loadRenderSubject(deps.db, {
            externalCustomerId: body.customerId,
            ...(body.orderId ? { orderId: body.orderId } : {}),
            defaults: deps.defaults,
          });
          if (!subject) throw new HttpError(404, 'not_found', `No customer with id '${body.customerId}'.`, 'customerId');
        }
        const locale = body.locale ?? subject?.locale ?? deps.defaults.locale;
        let template: Awaited<ReturnType<TemplateStore['get']>>;
        try {
          template = await deps.templates.get(name, locale);
        } catch (error) {
          if (error instanceof TemplateNotFoundError) throw new HttpError(404, 'not_found', `No template named '${name}'.`, 'name');
          throw error;
        }
        const category = template.meta.category;
        const survey = body.survey ? { kind: body.survey, messageId: 'preview' } : null;
        const timezone = body.timezone ?? subject?.timezone ?? deps.defaults.timezone;
        const data = subject
          ? renderData(deps.settings, { ...subject, locale: template.locale, timezone, category, survey, preview: true })
          : {
              // The engine's data, then the template's sample over it, then what the caller sent.
              ...renderData(deps.settings, {
                customer: { id: 'preview', name: null, email: null, attributes: {} },
                order: null,
                ownerName: null,
                locale: template.locale,
                timezone,
                category,
                survey,
                preview: true,
              }),
              ...(template.meta.sample as Record<string, unknown>),
              ...(body.data ?? {}),
              locale: template.locale,
              timezone,
              category,
            };
        try {
          const rendered = template.compiled.render(data);
          return { template: name, variant: template.variant, locale: template.locale, category, ...rendered };
        } catch (error) {
          // The validator names what is missing ("'survey.options' is not in the data"); the raw error may not.
          const problems = await validateTemplate(deps.templates, name, {
            survey: body.survey ?? null,
            entity: data.order ? 'order' : 'customer',
            category,
            locale: template.locale,
          }).catch(() => []);
          const reason = problems[0] ?? (error as Error).message;
          throw new HttpError(422, 'render_failed', `The template cannot be rendered with this data: ${reason}`, 'data');
        }
      },
    );
  };
