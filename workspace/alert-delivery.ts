// Alerts that reach a person. One delivery pass (workflows/alert-delivery.ts, every few minutes from a
// Temporal Schedule) queues what is due in the StaffNotification ledger, then sends what the ledger holds:
//  - an email at once for each urgent alert (a detractor's answer) to its owner: the assignee, else the
//    customer's owner, else every active success manager (the admins when there is none);
//  - an escalation to every active admin for open alerts nobody acknowledged within ALERT_ESCALATE_AFTER
//    (counted from the alert, or from the end of its snooze), once per alert (`escalatedAt`), all the
//    alerts a pass escalates in one email per admin;
//  - a daily digest per person of the other alerts raised since their last digest, from 08:00 in
//    DEFAULT_TIMEZONE and never in quiet hours.
// Exactly once, like a customer's email: the ledger row first (unique `dedupeKey`), then the provider call
// with the row id as idempotency key, then the row marked sent. A retried pass finds the rows and the
// provider (or the outbox) dedupes the call. Every instant is the workflow's (`at`), never this process's.
// With ALERT_WEBHOOK_URL, the urgent alerts and escalations of a pass are also posted there, signed.
import { DateTime, Duration } from 'luxon';
import { decideSend, defaultPolicies, type QuietHours } from '../core/policy/send-policy.ts';
import { type EmailTransport, PermanentSendError } from '../messaging/transport.ts';
import type { Database, Prisma } from '../runtime/database.ts';
import { statusWhere } from './alerts.ts';

/** Alerts that cannot wait for the digest. */
export const URGENT_ALERT_KINDS = ['detractor'] as const;
/** Local time (DEFAULT_TIMEZONE) from which the day's digest is sent. */
export const DIGEST_TIME = { hour: 8, minute: 0 } as const;
/** Urgent alerts older than this are not emailed any more (a person learns of them from the list). */
const URGENT_WITHIN_MS = 7 * 86_400_000;
/** Alerts listed in one email; the rest are counted. */
const LISTED = 50;

export type AlertDeliveryConfig = {
  emailFrom: string;
  publicUrl: string;
  defaultTimezone: string;
  /** ALERT_ESCALATE_AFTER, an ISO-8601 duration (default PT24H). */
  escalateAfter: string;
  /** Quiet hours for the digest, in DEFAULT_TIMEZONE (default 21:00-08:00). */
  quietHours?: QuietHours | false;
  /** ALERT_WEBHOOK_URL and the secret that signs what is posted there (AFTERCARE_SECRET). */
  webhook?: { url: string; secret: string };
};

export const DEFAULT_ALERT_ESCALATE_AFTER = 'PT24H';

type Staff = { id: string; email: string; name: string; role: 'admin' | 'marketer' | 'success_manager' };
type AlertWithCustomer = Prisma.AlertGetPayload<{
  include: { customer: { select: { externalId: true; name: true; email: true; ownerId: true } } };
}>;
export const withCustomer = { customer: { select: { externalId: true, name: true, email: true, ownerId: true } } } as const;

async function activeStaff(db: Database): Promise<Staff[]> {
  return db.staffUser.findMany({
    where: { disabledAt: null },
    select: { id: true, email: true, name: true, role: true },
    orderBy: { createdAt: 'asc' },
  });
}

/** Who hears of an alert: the assignee, else the customer's owner, else every success manager (else the admins). */
export function recipientsOf(alert: { assigneeId: string | null; customer: { ownerId: string | null } | null }, staff: Staff[]): Staff[] {
  const byId = new Map(staff.map((user) => [user.id, user]));
  const named =
    (alert.assigneeId ? byId.get(alert.assigneeId) : undefined) ?? (alert.customer?.ownerId ? byId.get(alert.customer.ownerId) : undefined);
  if (named) return [named];
  const managers = staff.filter((user) => user.role === 'success_manager');
  return managers.length > 0 ? managers : staff.filter((user) => user.role === 'admin');
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

function who(alert: AlertWithCustomer): string {
  if (!alert.customer) return 'no customer';
  return alert.customer.name
    ? `${alert.customer.name} (${alert.customer.email ?? alert.customer.externalId})`
    : (alert.customer.email ?? alert.customer.externalId);
}

/** One sentence about an alert, as a chat tool or an email line shows it. */
export function alertSentence(alert: AlertWithCustomer): string {
  return `${alert.title}: ${who(alert)}${alert.journeyKey ? ` (journey ${alert.journeyKey})` : ''}.`;
}

export function accountLink(config: AlertDeliveryConfig, alert: AlertWithCustomer): string {
  return alert.customer
    ? `${config.publicUrl}/app/customers/${encodeURIComponent(alert.customer.externalId)}`
    : `${config.publicUrl}/app/alerts`;
}

function renderList(config: AlertDeliveryConfig, intro: string, alerts: AlertWithCustomer[], greeting: string) {
  const listed = alerts.slice(0, LISTED);
  const more = alerts.length - listed.length;
  const text = [
    greeting,
    '',
    intro,
    '',
    ...listed.map((alert) => `- ${alertSentence(alert)} ${accountLink(config, alert)}`),
    ...(more > 0 ? [`- and ${more} more: ${config.publicUrl}/app/alerts`] : []),
    '',
    `All alerts: ${config.publicUrl}/app/alerts`,
  ].join('\n');
  const html = [
    `<p>${escapeHtml(greeting)}</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    '<ul>',
    ...listed.map((alert) => `<li><a href="${escapeHtml(accountLink(config, alert))}">${escapeHtml(alertSentence(alert))}</a></li>`),
    ...(more > 0 ? [`<li>and ${more} more</li>`] : []),
    '</ul>',
    `<p><a href="${escapeHtml(`${config.publicUrl}/app/alerts`)}">All alerts</a></p>`,
  ].join('\n');
  return { text, html };
}

/** Snoozes that have run out: the alert is open again (the list already shows it so). */
export async function reopenSnoozedAlerts(db: Database, at: number): Promise<number> {
  const { count } = await db.alert.updateMany({
    where: { status: 'snoozed', snoozedUntil: { lte: new Date(at) } },
    data: { status: 'open' },
  });
  return count;
}

/** Queues an email per recipient for each open urgent alert (a new assignee or owner hears of it too). */
export async function queueUrgentAlerts(db: Database, config: AlertDeliveryConfig, at: number): Promise<number> {
  const now = new Date(at);
  const alerts = await db.alert.findMany({
    where: {
      AND: [statusWhere('open', now), { kind: { in: [...URGENT_ALERT_KINDS] }, createdAt: { gte: new Date(at - URGENT_WITHIN_MS) } }],
    },
    include: withCustomer,
    orderBy: { createdAt: 'asc' },
    take: 500,
  });
  if (alerts.length === 0) return 0;
  const staff = await activeStaff(db);
  const rows = alerts.flatMap((alert) =>
    recipientsOf(alert, staff).map((user) => {
      const { text, html } = renderList(config, 'This needs you now:', [alert], `Hello ${user.name},`);
      return {
        dedupeKey: `alert:${alert.id}:${user.id}`,
        userId: user.id,
        kind: 'alert',
        subject: `${alert.title}: ${who(alert)}`.slice(0, 300),
        text,
        html,
        createdAt: now,
      };
    }),
  );
  if (rows.length === 0) return 0;
  const { count } = await db.staffNotification.createMany({ data: rows, skipDuplicates: true });
  return count;
}

/**
 * Escalates open alerts nobody acknowledged within `escalateAfter` to every active admin: `escalatedAt`
 * and the admins' emails are written in one transaction, so an alert escalates once.
 */
export async function escalateAlerts(db: Database, config: AlertDeliveryConfig, at: number): Promise<number> {
  const now = new Date(at);
  const due = DateTime.fromMillis(at).minus(Duration.fromISO(config.escalateAfter)).toJSDate();
  const admins = (await activeStaff(db)).filter((user) => user.role === 'admin');
  // Without an admin there is nobody to escalate to: the alerts stay unescalated until there is one.
  if (admins.length === 0) return 0;
  const candidates = await db.alert.findMany({
    where: {
      AND: [
        statusWhere('open', now),
        { escalatedAt: null, ackedAt: null, createdAt: { lte: due } },
        { OR: [{ snoozedUntil: null }, { snoozedUntil: { lte: due } }] },
      ],
    },
    select: { id: true },
    orderBy: { createdAt: 'asc' },
    // Many at once (a first scoring run's at_risk alerts, a day later) make one email per admin, not hundreds.
    take: 5_000,
  });
  if (candidates.length === 0) return 0;
  return db.$transaction(
    async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "Alert" WHERE "id" = ANY(${candidates.map((c) => c.id)}::text[]) AND "escalatedAt" IS NULL
      ORDER BY "id" FOR UPDATE`;
      if (locked.length === 0) return 0;
      const ids = locked.map((row) => row.id);
      await tx.alert.updateMany({ where: { id: { in: ids } }, data: { escalatedAt: now } });
      const alerts = await tx.alert.findMany({ where: { id: { in: ids } }, include: withCustomer, orderBy: { createdAt: 'asc' } });
      const within = Duration.fromISO(config.escalateAfter, { locale: 'en' }).toHuman();
      const intro = `Nobody has acknowledged ${alerts.length === 1 ? 'this alert' : `these ${alerts.length} alerts`} within ${within}:`;
      await tx.staffNotification.createMany({
        data: admins.map((admin) => {
          const { text, html } = renderList(config, intro, alerts, `Hello ${admin.name},`);
          const first = alerts[0] as AlertWithCustomer;
          return {
            // One email per admin and pass: the pass's instant makes a retried pass find the same row.
            dedupeKey: `escalation:${admin.id}:${now.toISOString()}`,
            userId: admin.id,
            kind: 'escalation',
            subject: (alerts.length === 1
              ? `Escalated: ${first.title}: ${who(first)}`
              : `Escalated: ${alerts.length} alerts nobody acknowledged`
            ).slice(0, 300),
            text,
            html,
            createdAt: now,
          };
        }),
        skipDuplicates: true,
      });
      return ids.length;
    },
    { timeout: 60_000, maxWait: 20_000 },
  );
}

/** Whether the day's digest may go now: from DIGEST_TIME in the zone, outside quiet hours. */
export function digestDay(config: AlertDeliveryConfig, at: number): string | null {
  const local = DateTime.fromMillis(at, { zone: config.defaultTimezone });
  if (local.hour * 60 + local.minute < DIGEST_TIME.hour * 60 + DIGEST_TIME.minute) return null;
  const quietHours = config.quietHours === undefined ? defaultPolicies.quietHours : config.quietHours;
  const decision = decideSend({
    at,
    zone: config.defaultTimezone,
    notAfter: Number.MAX_SAFE_INTEGER,
    capClass: null,
    history: [],
    policies: { ...defaultPolicies, quietHours },
  });
  return decision.kind === 'send' ? local.toISODate() : null;
}

/** Queues each person's digest of the non-urgent open alerts raised since their last digest. */
export async function queueDigests(db: Database, config: AlertDeliveryConfig, at: number): Promise<number> {
  const day = digestDay(config, at);
  if (!day) return 0;
  const now = new Date(at);
  const staff = await activeStaff(db);
  if (staff.length === 0) return 0;
  const keys = staff.map((user) => `digest:${user.id}:${day}`);
  const done = new Set(
    (await db.staffNotification.findMany({ where: { dedupeKey: { in: keys } }, select: { userId: true } })).map((row) => row.userId),
  );
  const waiting = staff.filter((user) => !done.has(user.id));
  if (waiting.length === 0) return 0;
  const lastDigests = await db.staffNotification.groupBy({
    by: ['userId'],
    where: { kind: 'digest', userId: { in: waiting.map((user) => user.id) } },
    _max: { createdAt: true },
  });
  const since = new Map(lastDigests.map((row) => [row.userId, row._max.createdAt]));
  const earliest = waiting.some((user) => !since.get(user.id))
    ? null
    : new Date(Math.min(...waiting.map((user) => (since.get(user.id) as Date).getTime())));
  const alerts = await db.alert.findMany({
    where: {
      AND: [
        statusWhere('open', now),
        { kind: { notIn: [...URGENT_ALERT_KINDS] }, createdAt: { lte: now, ...(earliest ? { gt: earliest } : {}) } },
      ],
    },
    include: withCustomer,
    orderBy: { createdAt: 'desc' },
  });
  const rows = waiting.flatMap((user) => {
    const after = since.get(user.id);
    const theirs = alerts.filter(
      (alert) => (!after || alert.createdAt > after) && recipientsOf(alert, staff).some((r) => r.id === user.id),
    );
    if (theirs.length === 0) return [];
    const intro = `${theirs.length === 1 ? 'One alert' : `${theirs.length} alerts`} since your last digest:`;
    const { text, html } = renderList(config, intro, theirs, `Hello ${user.name},`);
    return [
      {
        dedupeKey: `digest:${user.id}:${day}`,
        userId: user.id,
        kind: 'digest',
        subject: `Aftercare digest for ${day}: ${theirs.length === 1 ? '1 alert' : `${theirs.length} alerts`}`,
        text,
        html,
        createdAt: now,
      },
    ];
  });
  if (rows.length === 0) return 0;
  const { count } = await db.staffNotification.createMany({ data: rows, skipDuplicates: true });
  return count;
}

/** Ledger rows still to send, oldest first. */
export async function pendingNotifications(db: Database, limit = 200): Promise<string[]> {
  const rows = await db.staffNotification.findMany({
    where: { status: 'pending' },
    orderBy: { createdAt: 'asc' },
    take: limit,
    select: { id: true },
  });
  return rows.map((row) => row.id);
}

/**
 * Sends one ledger row: the provider call with the row id as idempotency key, then the row marked sent.
 * A permanent refusal marks it failed with the reason; anything else throws and the activity is retried.
 */
export async function sendNotification(
  db: Database,
  transport: EmailTransport,
  config: AlertDeliveryConfig,
  id: string,
  at: number,
): Promise<'sent' | 'failed' | 'done'> {
  const row = await db.staffNotification.findUnique({ where: { id }, include: { user: { select: { email: true } } } });
  if (row?.status !== 'pending') return 'done';
  try {
    const result = await transport.send({
      idempotencyKey: row.id,
      from: config.emailFrom,
      to: row.user.email,
      subject: row.subject,
      html: row.html,
      text: row.text,
      headers: {},
      tags: [
        { name: 'staff_notification_id', value: row.id },
        { name: 'kind', value: row.kind },
      ],
    });
    await db.staffNotification.updateMany({
      where: { id: row.id, status: 'pending' },
      data: { status: 'sent', providerId: result.providerId, sentAt: new Date(at) },
    });
    return 'sent';
  } catch (error) {
    if (!(error instanceof PermanentSendError)) throw error;
    await db.staffNotification.updateMany({ where: { id: row.id, status: 'pending' }, data: { status: 'failed', reason: error.message } });
    return 'failed';
  }
}
