// The survey results (`GET /v1/surveys/summary`): reads the settled answers and the survey emails sent,
// and hands them to the pure arithmetic (core/surveys/summary.ts).
//
// Which answers count: the settled ones, i.e. those journeys were told of. Each has one `survey.answered`
// event (ingestion/survey-answers.ts writes it when the settle window after the first answer has passed;
// a scanner's answer still in its window does not count yet). The score and comment are the answer as it
// stands now (`SurveyResponse`: a later answer replaces an earlier one until the survey closes), and its
// time is when it was last given. An answer that reached the engine as an event without a stored response
// (the demo business's detractor) counts with the event's own score and time, but in no response rate:
// no survey email of ours carried it.
//
// Which emails count for the response rate: `Message` rows with a survey (`surveyKind`) that went out
// (`sentAt`), by their send time; answered means a settled answer exists.
import {
  type JourneyFigures,
  type SentSurvey,
  type SettledAnswer,
  type SurveyComment,
  type SurveyKind,
  type SurveySummary,
  summarizeSurveys,
} from '../core/surveys/summary.ts';
import { type Database, poolOf, sql } from '../runtime/database.ts';

export type SurveySummaryQuery = {
  /** The period's first instant (inclusive) and last (exclusive); null: unbounded. */
  start: Date | null;
  end: Date | null;
  journeyKey?: string;
  /** ISO weeks are counted in this zone. */
  timezone: string;
  /** How many of the latest comments. */
  comments?: number;
};

export type NamedSurveySummary = Omit<SurveySummary, 'byJourney' | 'latestComments'> & {
  byJourney: (JourneyFigures & { journeyName: string | null })[];
  latestComments: (SurveyComment & { journeyName: string | null })[];
};

type AnswerRow = {
  kind: string;
  score: number;
  at: Date;
  journeyKey: string | null;
  customerId: string;
  comment: string | null;
};
type SentRow = { kind: string; sentAt: Date; journeyKey: string | null; answered: boolean };

const isKind = (kind: string): kind is SurveyKind => kind === 'csat' || kind === 'nps';

export async function loadSurveySummary(db: Database, query: SurveySummaryQuery): Promise<NamedSurveySummary> {
  const pool = poolOf(db);
  const { start, end } = query;
  const journey = query.journeyKey ?? null;
  const answersStatement = sql`
    SELECT a."kind", a."score", a."at", a."journeyKey", a."customerId", a."comment"
    FROM (
      SELECT COALESCE(r."kind", e."properties"->>'kind') AS "kind",
             COALESCE(r."score", CASE WHEN jsonb_typeof(e."properties"->'score') = 'number'
                                      THEN round((e."properties"->>'score')::numeric)::int END) AS "score",
             COALESCE(r."answeredAt", e."occurredAt") AS "at",
             e."properties"->>'journeyKey' AS "journeyKey",
             c."externalId" AS "customerId",
             r."comment"
      FROM "Event" e
      JOIN "Customer" c ON c."id" = e."customerId"
      LEFT JOIN "SurveyResponse" r ON r."messageId" = e."properties"->>'messageId'
      WHERE e."type" = 'survey.answered'
    ) a
    WHERE a."kind" IN ('csat', 'nps') AND a."score" IS NOT NULL
      AND (${start}::timestamptz IS NULL OR a."at" >= ${start}::timestamptz)
      AND (${end}::timestamptz IS NULL OR a."at" < ${end}::timestamptz)
      AND (${journey}::text IS NULL OR a."journeyKey" = ${journey}::text)`;
  const sentStatement = sql`
    SELECT m."surveyKind" AS "kind", m."sentAt", en."journeyKey", (r."settledAt" IS NOT NULL) AS "answered"
    FROM "Message" m
    LEFT JOIN "Enrollment" en ON en."id" = m."enrollmentId"
    LEFT JOIN "SurveyResponse" r ON r."messageId" = m."id"
    WHERE m."surveyKind" IN ('csat', 'nps') AND m."sentAt" IS NOT NULL
      AND (${start}::timestamptz IS NULL OR m."sentAt" >= ${start}::timestamptz)
      AND (${end}::timestamptz IS NULL OR m."sentAt" < ${end}::timestamptz)
      AND (${journey}::text IS NULL OR en."journeyKey" = ${journey}::text)`;
  const [answerRows, sentRows] = await Promise.all([pool.query<AnswerRow>(answersStatement), pool.query<SentRow>(sentStatement)]);
  const answers: SettledAnswer[] = answerRows.rows.flatMap((row) =>
    isKind(row.kind)
      ? [{ kind: row.kind, score: row.score, at: row.at, journeyKey: row.journeyKey, customerId: row.customerId, comment: row.comment }]
      : [],
  );
  const sent: SentSurvey[] = sentRows.rows.flatMap((row) =>
    isKind(row.kind) ? [{ kind: row.kind, sentAt: row.sentAt, journeyKey: row.journeyKey, answered: row.answered }] : [],
  );
  const summary = summarizeSurveys({
    answers,
    sent,
    timezone: query.timezone,
    ...(query.comments !== undefined ? { comments: query.comments } : {}),
  });
  const keys = [...new Set(summary.byJourney.map((row) => row.journeyKey).filter((key): key is string => key !== null))];
  const names = new Map(
    keys.length === 0
      ? []
      : (await db.journey.findMany({ where: { key: { in: keys } }, select: { key: true, name: true } })).map((j) => [j.key, j.name]),
  );
  const nameOf = (key: string | null) => (key === null ? null : (names.get(key) ?? null));
  return {
    ...summary,
    byJourney: summary.byJourney.map((row) => ({ ...row, journeyName: nameOf(row.journeyKey) })),
    latestComments: summary.latestComments.map((comment) => ({ ...comment, journeyName: nameOf(comment.journeyKey) })),
  };
}
