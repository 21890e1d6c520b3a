// One account as a success manager opens it (`GET /v1/customers/:id`): the profile, consent, the score
// in force with its source, the model's score, contributions and reasons, P(alive) and the expected next
// order, the score history (last 90 days, at most 100 points), the owner, the journeys running and the
// open alerts. A handful of indexed reads by the customer's row id, side by side.
import type { RiskBand } from '../core/churn/risk-score.ts';
import type { Database } from '../runtime/database.ts';

const DAY_MS = 86_400_000;
export const HISTORY_DAYS = 90;
export const HISTORY_POINTS = 100;

export type Contribution = { factor: string; points: number; value: number | null };

export type CustomerAccount = {
  id: string;
  name: string | null;
  email: string | null;
  locale: string | null;
  timezone: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
  consent: Record<string, unknown>;
  createdAt: string;
  firstOrderAt: string | null;
  lastOrderAt: string | null;
  lastActiveAt: string | null;
  orderCount: number;
  totalSpent: number;
  value: number;
  journeysPausedAt: string | null;
  owner: { id: string; name: string; email: string } | null;
  score: {
    score: number;
    band: RiskBand;
    source: string;
    modelScore: number | null;
    modelBand: RiskBand | null;
    externalScore: number | null;
    externalSource: string | null;
    contributions: Contribution[];
    reasons: string[];
    pAlive: number | null;
    expectedOrders90: number | null;
    expectedNextOrderAt: string | null;
    computedAt: string;
  } | null;
  scoreHistory: { at: string; score: number; band: RiskBand; modelScore: number | null }[];
  journeys: { key: string; name: string; step: string | null; enteredAt: string; paused: boolean }[];
  openAlerts: { id: string; kind: string; title: string; status: string; createdAt: string; assigneeId: string | null }[];
};

/** The customer with this business id, as a row id, or null. */
export async function customerRowId(db: Database, externalId: string): Promise<string | null> {
  const row = await db.customer.findUnique({ where: { externalId }, select: { id: true } });
  return row?.id ?? null;
}

const iso = (at: Date | null | undefined) => at?.toISOString() ?? null;

export async function loadCustomerAccount(db: Database, externalId: string, now: Date): Promise<CustomerAccount | null> {
  const customer = await db.customer.findUnique({
    where: { externalId },
    include: { owner: { select: { id: true, name: true, email: true } }, churnScore: true },
  });
  if (!customer) return null;
  const since = new Date(now.getTime() - HISTORY_DAYS * DAY_MS);
  const [history, enrollments, alerts] = await Promise.all([
    db.churnScoreHistory.findMany({
      where: { customerId: customer.id, computedAt: { gte: since } },
      orderBy: [{ computedAt: 'desc' }, { id: 'desc' }],
      take: HISTORY_POINTS,
      select: { computedAt: true, score: true, band: true, modelScore: true },
    }),
    db.enrollment.findMany({
      where: { customerId: customer.id, status: 'running' },
      orderBy: { enteredAt: 'desc' },
      select: {
        id: true,
        journeyKey: true,
        enteredAt: true,
        journey: { select: { name: true } },
        steps: { orderBy: { seq: 'desc' }, take: 1, select: { stepId: true } },
      },
    }),
    db.alert.findMany({
      // Open as the alert list says it (workspace/alerts.ts): open, or snoozed until a time that has come.
      where: {
        customerId: customer.id,
        OR: [{ status: 'open' }, { status: 'snoozed', OR: [{ snoozedUntil: null }, { snoozedUntil: { lte: now } }] }],
      },
      orderBy: { createdAt: 'desc' },
      select: { id: true, kind: true, title: true, status: true, createdAt: true, assigneeId: true },
    }),
  ]);
  const s = customer.churnScore;
  return {
    id: customer.externalId,
    name: customer.name,
    email: customer.email,
    locale: customer.locale,
    timezone: customer.timezone,
    attributes: customer.attributes as Record<string, unknown>,
    tags: customer.tags,
    consent: customer.consent as Record<string, unknown>,
    createdAt: customer.createdAt.toISOString(),
    firstOrderAt: iso(customer.firstOrderAt),
    lastOrderAt: iso(customer.lastOrderAt),
    lastActiveAt: iso(customer.lastActiveAt),
    orderCount: customer.orderCount,
    totalSpent: Number(customer.totalSpent),
    value: customer.value,
    journeysPausedAt: iso(customer.journeysPausedAt),
    owner: customer.owner,
    score: s
      ? {
          score: s.score,
          band: s.band,
          source: s.source,
          modelScore: s.modelScore,
          modelBand: s.modelBand,
          externalScore: s.externalScore,
          externalSource: s.externalSource,
          contributions: s.factors as Contribution[],
          reasons: s.reasons as string[],
          pAlive: s.pAlive,
          expectedOrders90: s.expectedOrders90,
          expectedNextOrderAt: iso(s.expectedNextOrderAt),
          computedAt: s.computedAt.toISOString(),
        }
      : null,
    // Oldest first, as a chart draws it.
    scoreHistory: history
      .reverse()
      .map((h) => ({ at: h.computedAt.toISOString(), score: h.score, band: h.band, modelScore: h.modelScore })),
    journeys: enrollments.map((e) => ({
      key: e.journeyKey,
      name: e.journey.name,
      step: e.steps[0]?.stepId ?? null,
      enteredAt: e.enteredAt.toISOString(),
      paused: customer.journeysPausedAt !== null,
    })),
    openAlerts: alerts.map((a) => ({ ...a, status: 'open', createdAt: a.createdAt.toISOString() })),
  };
}
