// The settling of a survey answer, for its workflow: idempotent (the event id is the message's).
import type { RouteEvents } from '../core/routing/ports.ts';
import { settleSurveyAnswer } from '../ingestion/survey-answers.ts';
import type { Database } from '../runtime/database.ts';

export function createSurveyActivities({ db, route }: { db: Database; route: RouteEvents | null }) {
  return {
    async settleSurveyAnswer(input: { messageId: string; at: number }): Promise<boolean> {
      return settleSurveyAnswer(db, route, input.messageId, new Date(input.at));
    },
  };
}

export type SurveyActivities = ReturnType<typeof createSurveyActivities>;
