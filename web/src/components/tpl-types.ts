// What the templates, surveys and outbox pages read from the API (GET /v1/templates and its preview,
// /v1/surveys/summary, /v1/outbox), as the routes' response schemas describe it.

export type TemplateItem = {
  name: string;
  description: string;
  category: 'marketing' | 'transactional';
  /** The complete locale variants beside the default files (`de`, `fr`). */
  variants: string[];
  /** The language of the default files. */
  locale: string;
  /** The default subject as written (Handlebars). */
  subject: string;
  /** It shows a survey block, which only a send step with a survey fills in. */
  usesSurvey: boolean;
};

export type TemplatePreview = {
  template: string;
  variant: string | null;
  locale: string;
  category: 'marketing' | 'transactional';
  subject: string;
  html: string;
  text: string;
};

export type CsatFigures = { answers: number; average: number | null; satisfied: number; satisfiedShare: number | null };
export type NpsFigures = { answers: number; promoters: number; passives: number; detractors: number; score: number | null };
export type ResponseRate = { sent: number; answered: number; rate: number | null };
export type SurveyFigures = { csat: CsatFigures; nps: NpsFigures; responseRate: ResponseRate };

export type SurveySummary = SurveyFigures & {
  timezone: string;
  period: { from: string | null; to: string | null; journey: string | null };
  byWeek: (SurveyFigures & { week: string; startsOn: string })[];
  byJourney: (SurveyFigures & { journeyKey: string | null; journeyName: string | null })[];
  latestComments: {
    customerId: string;
    kind: 'csat' | 'nps';
    score: number;
    comment: string;
    journeyKey: string | null;
    journeyName: string | null;
    at: string;
  }[];
};

export type OutboxSummary = {
  id: string;
  from: string;
  to: string;
  subject: string;
  template: string | null;
  customerId: string | null;
  journeyKey: string | null;
  sentAt: string;
};
export type OutboxPage = { transport: 'outbox' | 'resend'; emails: OutboxSummary[]; nextCursor: string | null };
export type OutboxEmail = OutboxSummary & {
  html: string;
  text: string;
  headers: Record<string, string>;
  tags: { name: string; value: string }[];
  locale: string | null;
  transport: 'outbox' | 'resend';
};

export type JourneyItem = { key: string; name: string; status: string };

/** Language names for the locale tags templates use, in English (the app's language). */
export function languageName(tag: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(tag) ?? tag;
  } catch {
    return tag;
  }
}
