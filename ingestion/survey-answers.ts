// A survey answer (a click in the email, confirmed on the survey page) becomes a SurveyResponse, and,
// once it has settled, one `survey.answered` event that journeys react to: review requests for happy
// customers, service recovery for unhappy ones.
//
// Mail scanners fetch and sometimes run every link of an email. So a GET records nothing (the page
// posts the answer), a later answer replaces the earlier one until the survey closes, and journeys hear
// of the answer only after a settle window from the first one: a scanner's answer followed by the
// customer's own produces one event, with the customer's score.
import type { RouteEvents } from '../core/routing/ports.ts';
import type { Database } from '../runtime/database.ts';
import { emitInternalEvent } from './internal-events.ts';

/** A survey takes answers (the latest counts) for this long after its email was sent. */
export const SURVEY_OPEN_MS = 14 * 86_400_000;

export const surveyScales = { csat: [1, 5], nps: [0, 10] } as const;
export type SurveyKind = keyof typeof surveyScales;

export type StoredAnswer =
  | { status: 'recorded' | 'replaced'; kind: SurveyKind; score: number; comment: string | null; first: boolean }
  | { status: 'closed'; kind: SurveyKind; score: number | null; comment: string | null; first: false }
  | { status: 'unknown_message' }
  | { status: 'invalid_score' };

/** The survey a message carries, as its page shows it: the kind, the customer's locale, the answer so far. */
export async function surveyOfMessage(db: Database, messageId: string) {
  const message = await db.message.findUnique({ where: { id: messageId }, include: { survey: true, enrollment: true } });
  if (!message?.enrollment || (message.surveyKind !== 'csat' && message.surveyKind !== 'nps')) return null;
  const openedAt = (message.sentAt ?? message.createdAt).getTime();
  return { message, kind: message.surveyKind as SurveyKind, answer: message.survey, closesAt: openedAt + SURVEY_OPEN_MS };
}

/**
 * Stores an answer: the first, or a replacement of the latest while the survey is open. A comment given
 * alone (the thank-you page's form) keeps the score. Journeys are not told here (`settleSurveyAnswer`).
 */
export async function storeSurveyAnswer(
  db: Database,
  answer: { messageId: string; score?: number; at: Date; comment?: string },
): Promise<StoredAnswer> {
  const survey = await surveyOfMessage(db, answer.messageId);
  if (!survey) return { status: 'unknown_message' };
  const [min, max] = surveyScales[survey.kind];
  if (answer.score !== undefined && (!Number.isInteger(answer.score) || answer.score < min || answer.score > max)) {
    return { status: 'invalid_score' };
  }
  const previous = survey.answer;
  if (answer.at.getTime() > survey.closesAt) {
    return { status: 'closed', kind: survey.kind, score: previous?.score ?? null, comment: previous?.comment ?? null, first: false };
  }
  const score = answer.score ?? previous?.score;
  if (score === undefined) return { status: 'invalid_score' };
  const comment = answer.comment ?? previous?.comment ?? null;
  const created = await db.surveyResponse.createMany({
    data: [
      { messageId: survey.message.id, customerId: survey.message.customerId, kind: survey.kind, score, comment, answeredAt: answer.at },
    ],
    skipDuplicates: true,
  });
  if (created.count === 0) {
    await db.surveyResponse.update({ where: { messageId: survey.message.id }, data: { score, comment, answeredAt: answer.at } });
  }
  return { status: created.count === 1 ? 'recorded' : 'replaced', kind: survey.kind, score, comment, first: created.count === 1 };
}

/**
 * Tells journeys the answer as it stands now (once: the event id is the message's). Returns whether this
 * call announced it.
 */
export async function settleSurveyAnswer(db: Database, route: RouteEvents | null, messageId: string, at: Date): Promise<boolean> {
  const response = await db.surveyResponse.findUnique({ where: { messageId }, include: { message: { include: { enrollment: true } } } });
  if (!response || response.settledAt || !response.message.enrollment) return false;
  const entityKey = response.message.enrollment.entityKey;
  await emitInternalEvent(db, null, {
    id: `survey.answered:${messageId}`,
    type: 'survey.answered',
    customerRowId: response.customerId,
    occurredAt: at,
    properties: {
      stepId: response.message.stepKey ?? '',
      kind: response.kind,
      score: response.score,
      messageId,
      journeyKey: response.message.enrollment.journeyKey,
      ...(entityKey.startsWith('order:') ? { orderId: entityKey.slice('order:'.length) } : {}),
      ...(entityKey.startsWith('ticket:') ? { ticketId: entityKey.slice('ticket:'.length) } : {}),
    },
  });
  const marked = await db.surveyResponse.updateMany({ where: { messageId, settledAt: null }, data: { settledAt: at } });
  if (marked.count === 0) return false;
  if (route) {
    const customer = await db.customer.findUniqueOrThrow({ where: { id: response.customerId }, select: { externalId: true } });
    const event = await db.event.findUniqueOrThrow({ where: { id: `survey.answered:${messageId}` } });
    await route([
      {
        id: event.id,
        type: event.type,
        customerId: customer.externalId,
        customerRowId: event.customerId,
        occurredAt: event.occurredAt,
        properties: event.properties as Record<string, unknown>,
      },
    ]);
  }
  return true;
}

/** Answers and settles at once: a caller with no settle window (tests, tools, imports of answers). */
export async function recordSurveyAnswer(
  db: Database,
  route: RouteEvents | null,
  answer: { messageId: string; score: number; at: Date; comment?: string },
): Promise<StoredAnswer> {
  const stored = await storeSurveyAnswer(db, answer);
  if (stored.status === 'recorded' || stored.status === 'replaced') await settleSurveyAnswer(db, route, answer.messageId, answer.at);
  return stored;
}

/**
 * Settles the answers whose window has long passed but whose settling never ran (Temporal was down when
 * they were given): the worker's sweeper calls this, so no answer waits forever.
 */
export async function settleOverdueSurveyAnswers(
  db: Database,
  route: RouteEvents | null,
  settleMs: number,
  now = new Date(),
): Promise<number> {
  const overdue = await db.surveyResponse.findMany({
    where: { settledAt: null, answeredAt: { lt: new Date(now.getTime() - settleMs - 60_000) } },
    select: { messageId: true },
    take: 200,
  });
  let settled = 0;
  for (const { messageId } of overdue) if (await settleSurveyAnswer(db, route, messageId, now)) settled++;
  return settled;
}
