// A survey answer (one click in the email) becomes a SurveyResponse and a `survey.answered` event
// that journeys react to: review requests for happy customers, service recovery for unhappy ones.

import type { RouteEvents } from '../core/routing/ports.ts';
import type { Database } from '../runtime/database.ts';
import { emitInternalEvent } from './internal-events.ts';

export type SurveyAnswerResult = { status: 'recorded' | 'already_answered' | 'unknown_message' | 'invalid_score'; score?: number };

const scales = { csat: [1, 5], nps: [0, 10] } as const;

export async function recordSurveyAnswer(
  db: Database,
  route: RouteEvents | null,
  answer: { messageId: string; score: number; at: Date; comment?: string },
): Promise<SurveyAnswerResult> {
  const message = await db.message.findUnique({ where: { id: answer.messageId }, include: { enrollment: true, survey: true } });
  if (!message?.enrollment || (message.surveyKind !== 'csat' && message.surveyKind !== 'nps')) return { status: 'unknown_message' };
  const definitionStep = message.stepKey ?? '';
  const kind = message.surveyKind;
  const [min, max] = scales[kind];
  if (!Number.isInteger(answer.score) || answer.score < min || answer.score > max) return { status: 'invalid_score' };
  // The first answer counts: a second click (or a link scanner) cannot change it.
  if (message.survey) return { status: 'already_answered', score: message.survey.score };
  await db.surveyResponse.createMany({
    data: [
      {
        messageId: message.id,
        customerId: message.customerId,
        kind,
        score: answer.score,
        comment: answer.comment ?? null,
        answeredAt: answer.at,
      },
    ],
    skipDuplicates: true,
  });
  const entityKey = message.enrollment.entityKey;
  await emitInternalEvent(db, route, {
    id: `survey.answered:${message.id}`,
    type: 'survey.answered',
    customerRowId: message.customerId,
    occurredAt: answer.at,
    properties: {
      stepId: definitionStep,
      kind,
      score: answer.score,
      messageId: message.id,
      journeyKey: message.enrollment.journeyKey,
      ...(entityKey.startsWith('order:') ? { orderId: entityKey.slice('order:'.length) } : {}),
      ...(entityKey.startsWith('ticket:') ? { ticketId: entityKey.slice('ticket:'.length) } : {}),
    },
  });
  return { status: 'recorded', score: answer.score };
}
