// What the success manager's pages read from the API (GET /v1/customers, /v1/customers/:id, its timeline,
// /v1/alerts, /v1/messages/:id, /v1/staff), as the routes' response schemas describe it.

export type RiskBand = 'low' | 'medium' | 'high';

export type CustomerRow = {
  id: string;
  name: string | null;
  email: string | null;
  score: number | null;
  band: RiskBand | null;
  score30DaysAgo: number | null;
  trend: { at: string; score: number }[];
  topReason: string | null;
  value: number;
  riskValue: number;
  lastOrderAt: string | null;
  owner: { id: string; name: string } | null;
  openAlerts: number;
};
export type CustomerPage = { customers: CustomerRow[]; nextCursor: string | null };

export type AlertItem = {
  id: string;
  kind: string;
  title: string;
  status: 'open' | 'acknowledged' | 'snoozed' | 'resolved';
  customer: { id: string; name: string | null; email: string | null } | null;
  journeyKey: string | null;
  assigneeId: string | null;
  ownerId: string | null;
  snoozedUntil: string | null;
  createdAt: string;
};
export type AlertPage = { alerts: AlertItem[]; nextCursor: string | null };

export type Contribution = { factor: string; points: number; value: number | null };

export type Account = {
  id: string;
  name: string | null;
  email: string | null;
  locale: string | null;
  timezone: string | null;
  tags: string[];
  consent: Record<string, unknown>;
  createdAt: string;
  firstOrderAt: string | null;
  lastOrderAt: string | null;
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
    externalScore: number | null;
    externalSource: string | null;
    contributions: Contribution[];
    reasons: string[];
    pAlive: number | null;
    expectedOrders90: number | null;
    expectedNextOrderAt: string | null;
    computedAt: string;
  } | null;
  scoreHistory: { at: string; score: number; band: RiskBand }[];
  journeys: { key: string; name: string; step: string | null; enteredAt: string; paused: boolean }[];
  openAlerts: { id: string; kind: string; title: string; status: string; createdAt: string; assigneeId: string | null }[];
};

export const timelineKinds = [
  'order',
  'refund',
  'message',
  'survey',
  'enrollment',
  'journey_step',
  'score',
  'alert',
  'note',
  'staff_action',
] as const;
export type TimelineKind = (typeof timelineKinds)[number];
export type TimelineItem = { at: string; kind: TimelineKind; id: string; summary: string; messageId?: string } & Record<string, unknown>;
export type TimelinePage = { items: TimelineItem[]; nextCursor: string | null };

export type Message = {
  id: string;
  template: string;
  locale: string;
  category: 'transactional' | 'marketing';
  journeyKey: string | null;
  toAddress: string | null;
  status: string;
  reason: string | null;
  subject: string | null;
  html: string | null;
  text: string | null;
  createdAt: string;
  sentAt: string | null;
};

export type StaffMember = { id: string; name: string; role: 'admin' | 'marketer' | 'success_manager'; assignable: boolean };
