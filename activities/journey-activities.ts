// Activities of the journey workflow. Each one is safe to run twice: its writes are keyed by
// uniqueness in the database (workflow id, enrollment + seq, enrollment + step), and the email
// provider dedupes on the message id.

import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { JourneyDefinition } from '../core/journey/definition.ts';
import { asChurnBand } from '../core/journey/definition.ts';
import type { CustomerFacts, Outcome, SendOutcome, StepLogEntry } from '../core/journey/interpreter.ts';
import type { Brand } from '../core/messaging/brand.ts';
import { choiceSkipReason, messageKind } from '../core/messaging/preferences.ts';
import { listUnsubscribeHeaders } from '../core/messaging/unsubscribe-links.ts';
import { decideWithPriority, type PolicyVerdict, type SendIntent } from '../core/policy/priority.ts';
import {
  type CapClass,
  capClassOf,
  capsFor,
  decisionWindowMs,
  type SendPolicies,
  withJourneyPolicies,
} from '../core/policy/send-policy.ts';
import { StoredDefinitionError, storedDefinition } from '../journey-store/journey-versions.ts';
import { capHistory } from '../messaging/cap-history.ts';
import { renderData } from '../messaging/render-data.ts';
import { recordProviderAcceptance } from '../messaging/resend-webhooks.ts';
import { loadCurrentPolicies } from '../messaging/send-policies.ts';
import type { TemplateStore } from '../messaging/template-store.ts';
import { type EmailTransport, PermanentSendError } from '../messaging/transport.ts';
import type { Database, Prisma } from '../runtime/database.ts';

export type ActivityConfig = {
  /**
   * Fixed policies instead of the business's stored versions (GET/PUT /v1/policies); recorded as
   * version 0. For tests and embedders; the engine leaves it unset.
   */
  policies?: SendPolicies;
  /** Signs survey and unsubscribe links. */
  secret: string;
  /** Base of links in emails. */
  publicUrl: string;
  emailFrom: string;
  defaultTimezone: string;
  defaultLocale: string;
  businessName: string;
  businessAddress: string;
  /** The business's look in every email (BRAND_LOGO_URL, BRAND_ACCENT, BRAND_FOOTER). */
  brand?: Brand;
  /** UNSUBSCRIBE_MAILTO: an inbound address someone reads; unset, List-Unsubscribe has the https target only. */
  unsubscribeMailto?: string | undefined;
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
  group: 'treatment' | 'control';
  /** Workflow time: every timestamp an activity writes comes from the workflow's clock. */
  at: number;
};

export type EnteredJourney = {
  enrollmentId: string;
  /** The journey's status now: an enrollment that starts while it is paused holds before its first send. */
  journeyStatus: 'active' | 'paused' | 'archived';
  /**
   * The customer's journeys are paused (POST /v1/customers/:id/journeys/pause): the enrollment holds before
   * its next send until a `customerControl` resume. Optional: histories recorded before it lack it.
   */
  customerJourneysPaused?: boolean;
  definition: JourneyDefinition;
  timezone: string;
  group: 'treatment' | 'control';
};

export type SendJourneyMessageInput = {
  enrollmentId: string;
  stepId: string;
  template: string;
  survey: 'csat' | 'nps' | null;
  category: 'marketing' | 'transactional';
  priority: number;
  notAfter: number;
  at: number;
};
export type SendResult = { outcome: SendOutcome; messageId: string | null; reason?: string; until?: number };

const finalOutcome: Record<string, SendResult['outcome'] | undefined> = {
  sent: 'sent',
  delivered: 'sent',
  delayed: 'sent',
  bounced: 'sent',
  complained: 'sent',
  skipped: 'skipped',
  failed: 'failed',
};

/**
 * Priority first (core/policy/priority.ts), then quiet hours and the caps (core/policy/send-policy.ts),
 * inside the customer's lock. A capped send waits out its decision window only when another journey is
 * running for the customer: without one, no other journey's message can be due in the window except
 * from a journey that starts within it, and that one then meets this message in the caps' history.
 */
async function decideUnderPolicies(
  tx: Prisma.TransactionClient,
  send: {
    enrollment: { id: string; journeyKey: string };
    customerId: string;
    stepKey: string;
    at: number;
    notAfter: number;
    zone: string;
    capClass: CapClass | null;
    priority: number;
    policies: SendPolicies;
  },
): Promise<PolicyVerdict> {
  const { enrollment, capClass, policies } = send;
  const windowMs = capsFor(policies, capClass).length > 0 ? decisionWindowMs(policies) : 0;
  const where = { enrollmentId_stepKey: { enrollmentId: enrollment.id, stepKey: send.stepKey } };
  let intent = windowMs > 0 ? await tx.sendIntent.findUnique({ where }) : null;
  if (windowMs > 0 && capClass && !intent) {
    const rival = await tx.enrollment.findFirst({
      where: { customerId: send.customerId, status: 'running', journeyKey: { not: enrollment.journeyKey } },
      select: { id: true },
    });
    if (rival) {
      intent = await tx.sendIntent.create({
        data: {
          enrollmentId: enrollment.id,
          stepKey: send.stepKey,
          customerId: send.customerId,
          capClass,
          priority: send.priority,
          dueAt: new Date(send.at),
          journeyKey: enrollment.journeyKey,
        },
      });
    }
  }
  const asIntent = (row: { enrollmentId: string; stepKey: string; priority: number; dueAt: Date }): SendIntent => ({
    key: `${row.enrollmentId}:${row.stepKey}`,
    priority: row.priority,
    dueAt: row.dueAt.getTime(),
  });
  const rivals =
    intent && capClass ? (await tx.sendIntent.findMany({ where: { customerId: send.customerId, capClass } })).map(asIntent) : [];
  const history = capClass ? await capHistory(tx, send.customerId, send.at, { policies, capClass }) : [];
  const verdict = decideWithPriority({
    at: send.at,
    zone: send.zone,
    notAfter: send.notAfter,
    capClass,
    history,
    policies,
    intent: intent ? asIntent(intent) : null,
    rivals,
    windowMs,
  });
  // Decided again when the deferral ends, against whatever else is due by then.
  if (verdict.kind === 'defer' && verdict.intentDueAt !== undefined) {
    await tx.sendIntent.update({ where, data: { dueAt: new Date(verdict.intentDueAt) } });
  }
  return verdict;
}

export function createJourneyActivities({ db, transport, templates, config }: ActivityDeps) {
  /** Suppression and the customer's choices (core/messaging/preferences.ts), checked before the provider call: never sent, and why. */
  async function reasonNotToSend(
    customer: { email: string | null; consent: unknown },
    category: 'marketing' | 'transactional',
    survey: 'csat' | 'nps' | null,
  ): Promise<string | null> {
    if (!customer.email) return 'no_email_address';
    const suppressions = await db.suppression.findMany({ where: { email: customer.email.toLowerCase() }, select: { reason: true } });
    // A bounce or a complaint stops every email; unsubscribing from everything stops all but service messages.
    const undeliverable = suppressions.find((suppression) => suppression.reason !== 'unsubscribed');
    if (undeliverable) return undeliverable.reason;
    return choiceSkipReason(messageKind({ category, surveyKind: survey }), customer.consent, suppressions.length > 0);
  }

  return {
    async enterJourney(input: EnterJourneyInput): Promise<EnteredJourney> {
      const version = await db.journeyVersion.findUnique({
        where: { journeyKey_version: { journeyKey: input.journeyKey, version: input.version } },
      });
      if (!version) {
        throw ApplicationFailure.nonRetryable(`Journey ${input.journeyKey} has no version ${input.version}`, 'JourneyVersionMissing');
      }
      // Parsed, not cast: the interpreter never runs a definition the schema rejects, and a retry would not fix it.
      let definition: JourneyDefinition;
      try {
        definition = storedDefinition(version);
      } catch (error) {
        if (!(error instanceof StoredDefinitionError)) throw error;
        throw ApplicationFailure.nonRetryable(error.message, 'JourneyDefinitionInvalid', { errors: error.errors });
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
          group: input.group,
          enteredAt: new Date(input.at),
        },
      });
      const journey = await db.journey.findUniqueOrThrow({ where: { key: input.journeyKey }, select: { status: true } });
      // Read after the enrollment row is written: a customer pause committed after this read finds the row
      // among the running enrollments and signals it (workflow-client/customer-control.ts), so none is missed.
      const pause = await db.customer.findUniqueOrThrow({ where: { id: input.customerId }, select: { journeysPausedAt: true } });
      return {
        enrollmentId: enrollment.id,
        journeyStatus: journey.status,
        customerJourneysPaused: pause.journeysPausedAt !== null,
        definition,
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

    async sendJourneyMessage(input: SendJourneyMessageInput): Promise<SendResult> {
      const key = { enrollmentId_stepKey: { enrollmentId: input.enrollmentId, stepKey: input.stepId } };
      let message = await db.message.findUnique({ where: key });
      if (!message) {
        const enrollment = await db.enrollment.findUniqueOrThrow({
          where: { id: input.enrollmentId },
          include: { customer: true, journey: true },
        });
        const { customer } = enrollment;
        const template = await templates.get(input.template, customer.locale ?? config.defaultLocale);
        const locale = customer.locale ?? config.defaultLocale;
        const timezone = customer.timezone ?? config.defaultTimezone;
        const category = template.meta.category === 'marketing' || input.category === 'marketing' ? 'marketing' : 'transactional';
        const definition = (
          await db.journeyVersion.findUniqueOrThrow({
            where: { journeyKey_version: { journeyKey: enrollment.journeyKey, version: enrollment.version } },
          })
        ).definition as JourneyDefinition;
        const skipReason = await reasonNotToSend(customer, category, input.survey);
        const order = enrollment.entityKey.startsWith('order:')
          ? await db.order.findUnique({ where: { externalId: enrollment.entityKey.slice('order:'.length) } })
          : null;
        // The id exists before the row so that links in the email can name it; a retry that finds the
        // row already written keeps the row's id and content.
        const messageId = randomUUID();
        const owner = customer.ownerId ? await db.staffUser.findUnique({ where: { id: customer.ownerId } }) : null;
        const rendered = skipReason
          ? { subject: null, html: null, text: null }
          : template.compiled.render(
              renderData(config, {
                customer,
                order,
                ownerName: owner?.name ?? null,
                locale,
                timezone,
                category,
                survey: input.survey ? { kind: input.survey, messageId } : null,
                issuedAt: input.at,
              }),
            );
        // Policy check and the message row in one transaction, serialised per customer: two journeys
        // sending at the same moment cannot both take the last slot of the cap, and the send is decided
        // under one version of the business's policies, which the message records.
        const created = await db.$transaction(async (tx) => {
          await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${customer.id}))`;
          const existing = await tx.message.findUnique({ where: key });
          if (existing) return { message: existing };
          const inForce = config.policies ? { version: 0, policies: config.policies } : await loadCurrentPolicies(tx);
          const policies = withJourneyPolicies(inForce.policies, definition);
          let status: 'pending' | 'skipped' = skipReason ? 'skipped' : 'pending';
          let reason = skipReason;
          if (!skipReason) {
            const verdict = await decideUnderPolicies(tx, {
              enrollment,
              customerId: customer.id,
              stepKey: input.stepId,
              at: input.at,
              notAfter: input.notAfter,
              zone: timezone,
              capClass: capClassOf(category, input.survey),
              priority: input.priority,
              policies,
            });
            if (verdict.kind === 'defer') return { deferred: verdict };
            if (verdict.kind === 'skip') {
              status = 'skipped';
              reason = verdict.reason;
            }
          }
          await tx.sendIntent.deleteMany({ where: { enrollmentId: enrollment.id, stepKey: input.stepId } });
          const row = await tx.message.create({
            data: {
              id: messageId,
              enrollmentId: enrollment.id,
              stepKey: input.stepId,
              customerId: customer.id,
              template: input.template,
              locale: template.locale,
              category,
              surveyKind: input.survey,
              toAddress: customer.email,
              ...rendered,
              status,
              reason,
              policyVersion: inForce.version,
              createdAt: new Date(input.at),
            },
          });
          return { message: row };
        });
        if ('deferred' in created && created.deferred) {
          return { outcome: 'deferred', messageId: null, until: created.deferred.until, reason: created.deferred.reason };
        }
        message = (created as { message: NonNullable<typeof message> }).message;
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
          headers: listUnsubscribeHeaders(message, config),
          tags: [
            { name: 'enrollment_id', value: input.enrollmentId },
            { name: 'message_id', value: message.id },
          ],
        });
        await recordProviderAcceptance(db, {
          messageId: message.id,
          providerId: result.providerId,
          transport: transport.name,
          sentAt: new Date(input.at),
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

    async loadCustomerFacts(input: { enrollmentId: string }): Promise<CustomerFacts> {
      const enrollment = await db.enrollment.findUniqueOrThrow({
        where: { id: input.enrollmentId },
        include: { customer: { include: { churnScore: true } } },
      });
      const { customer } = enrollment;
      const band = customer.churnScore?.band;
      return {
        churnBand: asChurnBand(band),
        attributes: (customer.attributes ?? {}) as Record<string, unknown>,
        tags: customer.tags,
      };
    },

    async raiseAlert(input: { enrollmentId: string; stepId: string; kind: string; title: string; at: number }): Promise<void> {
      const enrollment = await db.enrollment.findUniqueOrThrow({ where: { id: input.enrollmentId } });
      await db.alert.upsert({
        where: { dedupeKey: `${input.enrollmentId}:${input.stepId}` },
        update: {},
        create: {
          dedupeKey: `${input.enrollmentId}:${input.stepId}`,
          kind: input.kind,
          customerId: enrollment.customerId,
          journeyKey: enrollment.journeyKey,
          title: input.title,
          createdAt: new Date(input.at),
        },
      });
    },

    async setCustomerField(input: {
      enrollmentId: string;
      attribute?: string;
      value?: string | number | boolean;
      tag?: string;
    }): Promise<void> {
      const enrollment = await db.enrollment.findUniqueOrThrow({ where: { id: input.enrollmentId } });
      if (input.tag) {
        // array_append only when absent, so a retry does not add the tag twice.
        await db.$executeRaw`UPDATE "Customer" SET "tags" = array_append("tags", ${input.tag}) WHERE "id" = ${enrollment.customerId} AND NOT (${input.tag} = ANY("tags"))`;
      } else if (input.attribute) {
        await db.$executeRaw`UPDATE "Customer" SET "attributes" = "attributes" || jsonb_build_object(${input.attribute}::text, ${JSON.stringify(input.value)}::jsonb) WHERE "id" = ${enrollment.customerId}`;
      }
    },

    async completeEnrollment(input: { enrollmentId: string; outcome: Outcome; reason: string; at: number }): Promise<void> {
      const status = input.outcome === 'completed' ? 'completed' : input.outcome === 'exited' ? 'exited' : 'goal_reached';
      // A send it was waiting to decide no longer holds the customer's other journeys back.
      await db.sendIntent.deleteMany({ where: { enrollmentId: input.enrollmentId } });
      await db.enrollment.updateMany({
        where: { id: input.enrollmentId, status: 'running' },
        data: { status, outcome: input.reason, endedAt: new Date(input.at) },
      });
    },
  };
}

export type JourneyActivities = ReturnType<typeof createJourneyActivities>;
