// Activities of the journey workflow. Each one is safe to run twice: its writes are keyed by
// uniqueness in the database (workflow id, enrollment + seq, enrollment + step), and the email
// provider dedupes on the message id.
import { ApplicationFailure } from '@temporalio/activity';
import type { JourneyDefinition } from '../core/journey/definition.ts';
import type { Outcome, StepLogEntry } from '../core/journey/interpreter.ts';
import type { TemplateStore } from '../messaging/template-store.ts';
import { type EmailTransport, PermanentSendError } from '../messaging/transport.ts';
import type { Database } from '../runtime/database.ts';
import { Prisma } from '../runtime/database.ts';

export type ActivityConfig = {
  emailFrom: string;
  defaultTimezone: string;
  defaultLocale: string;
  businessName: string;
  businessAddress: string;
};

export type ActivityDeps = {
  db: Database;
  transport: EmailTransport;
  templates: TemplateStore;
  config: ActivityConfig;
};

export type EnterJourneyInput = {
  workflowId: string;
  journeyKey: string;
  version: number;
  customerId: string;
  entityKey: string;
  triggerEventId: string | null;
  /** Workflow time: every timestamp an activity writes comes from the workflow's clock. */
  at: number;
};

export type EnteredJourney = {
  enrollmentId: string;
  definition: JourneyDefinition;
  timezone: string;
  group: 'treatment' | 'control';
};

export type SendJourneyMessageInput = { enrollmentId: string; stepId: string; template: string; at: number };
export type SendOutcome = { outcome: 'sent' | 'skipped' | 'failed'; messageId: string | null; reason?: string };

const finalOutcome: Record<string, SendOutcome['outcome'] | undefined> = {
  sent: 'sent',
  delivered: 'sent',
  delayed: 'sent',
  bounced: 'sent',
  complained: 'sent',
  skipped: 'skipped',
  failed: 'failed',
};

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

export function createJourneyActivities({ db, transport, templates, config }: ActivityDeps) {
  return {
    async enterJourney(input: EnterJourneyInput): Promise<EnteredJourney> {
      const version = await db.journeyVersion.findUnique({
        where: { journeyKey_version: { journeyKey: input.journeyKey, version: input.version } },
      });
      if (!version) {
        throw ApplicationFailure.nonRetryable(`Journey ${input.journeyKey} has no version ${input.version}`, 'JourneyVersionMissing');
      }
      const customer = await db.customer.findUniqueOrThrow({ where: { id: input.customerId } });
      const enrollment = await db.enrollment.upsert({
        where: { workflowId: input.workflowId },
        update: {},
        create: {
          workflowId: input.workflowId,
          journeyKey: input.journeyKey,
          version: input.version,
          customerId: input.customerId,
          entityKey: input.entityKey,
          triggerEventId: input.triggerEventId,
          enteredAt: new Date(input.at),
        },
      });
      return {
        enrollmentId: enrollment.id,
        definition: version.definition as JourneyDefinition,
        timezone: customer.timezone ?? config.defaultTimezone,
        group: enrollment.group,
      };
    },

    async recordSteps(input: { enrollmentId: string; firstSeq: number; entries: StepLogEntry[] }): Promise<void> {
      await db.enrollmentStep.createMany({
        data: input.entries.map((entry, index) => ({
          enrollmentId: input.enrollmentId,
          seq: input.firstSeq + index,
          stepId: entry.stepId,
          kind: entry.kind,
          status: entry.status,
          detail: (entry.detail ?? {}) as Prisma.InputJsonValue,
          at: new Date(entry.at),
        })),
        skipDuplicates: true,
      });
    },

    async sendJourneyMessage(input: SendJourneyMessageInput): Promise<SendOutcome> {
      const key = { enrollmentId_stepKey: { enrollmentId: input.enrollmentId, stepKey: input.stepId } };
      let message = await db.message.findUnique({ where: key });
      if (!message) {
        const enrollment = await db.enrollment.findUniqueOrThrow({
          where: { id: input.enrollmentId },
          include: { customer: true, journey: true },
        });
        const { customer } = enrollment;
        const template = await templates.get(input.template);
        const locale = customer.locale ?? config.defaultLocale;
        const order = enrollment.entityKey.startsWith('order:')
          ? await db.order.findUnique({ where: { externalId: enrollment.entityKey.slice('order:'.length) } })
          : null;
        const rendered = template.compiled.render({
          locale,
          timezone: customer.timezone ?? config.defaultTimezone,
          customer: { name: customer.name ?? '', email: customer.email ?? '', attributes: customer.attributes },
          order: order
            ? { id: order.externalId, total: Number(order.total), currency: order.currency, items: order.items, placedAt: order.placedAt }
            : null,
          business: { name: config.businessName, address: config.businessAddress },
        });
        try {
          message = await db.message.create({
            data: {
              enrollmentId: enrollment.id,
              stepKey: input.stepId,
              customerId: customer.id,
              template: input.template,
              locale,
              category: template.meta.category,
              toAddress: customer.email,
              ...rendered,
              ...(customer.email ? {} : { status: 'skipped', reason: 'no_email_address' }),
            },
          });
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          message = await db.message.findUniqueOrThrow({ where: key });
        }
      }
      const done = message.status === 'pending' ? undefined : finalOutcome[message.status];
      if (done) return { outcome: done, messageId: message.id, ...(message.reason ? { reason: message.reason } : {}) };

      try {
        const result = await transport.send({
          idempotencyKey: message.id,
          from: config.emailFrom,
          to: message.toAddress ?? '',
          subject: message.subject ?? '',
          html: message.html ?? '',
          text: message.text ?? '',
          headers: {},
          tags: [
            { name: 'enrollment_id', value: input.enrollmentId },
            { name: 'message_id', value: message.id },
          ],
        });
        await db.message.update({
          where: { id: message.id },
          data: { status: 'sent', providerId: result.providerId, transport: transport.name, sentAt: new Date(input.at) },
        });
        return { outcome: 'sent', messageId: message.id };
      } catch (error) {
        if (!(error instanceof PermanentSendError)) throw error;
        await db.message.update({
          where: { id: message.id },
          data: { status: 'failed', reason: error.message, transport: transport.name },
        });
        return { outcome: 'failed', messageId: message.id, reason: error.message };
      }
    },

    async completeEnrollment(input: { enrollmentId: string; outcome: Outcome; reason: string; at: number }): Promise<void> {
      const status = input.outcome === 'completed' ? 'completed' : input.outcome === 'exited' ? 'exited' : 'goal_reached';
      await db.enrollment.updateMany({
        where: { id: input.enrollmentId, status: 'running' },
        data: { status, outcome: input.reason, endedAt: new Date(input.at) },
      });
    },
  };
}

export type JourneyActivities = ReturnType<typeof createJourneyActivities>;
