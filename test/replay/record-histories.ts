// Records the histories that test/replay/replay.test.ts replays: every shipped journey at its
// interesting points (waiting on a timer, after continue-as-new, paused, with a survey answered, with
// the frequency cap deferring a send), the churn scoring run and the inactivity sweep.
//
// Run with `npm run record:histories` (vitest.record.config.ts), never by `npm test`. A file that exists
// is kept: a recorded history stands for workflows that may still be running in production, so it is
// replaced only on purpose (RECORD_OVERWRITE=1). Journey histories are named after the journey's
// definition checksum, so a changed shipped journey gets new files beside the old ones.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { assignGroup } from '../../core/policy/holdout.ts';
import { storeSurveyAnswer } from '../../ingestion/survey-answers.ts';
import { parseDefinitionText, publishJourney } from '../../journey-store/journey-versions.ts';
import { signalCustomerJourneys } from '../../workflow-client/customer-control.ts';
import { controlJourney } from '../../workflow-client/journey-control.ts';
import { alertDeliveryWorkflow } from '../../workflows/alert-delivery.ts';
import { churnScoringWorkflow } from '../../workflows/churn-scoring.ts';
import { inactivitySweepWorkflow } from '../../workflows/inactivity-sweep.ts';
import { surveySettleWorkflow } from '../../workflows/survey-settle.ts';
import { customerUpserted, orderEvent, orderPlaced } from '../support/events.ts';
import { createJourneyHarness, DAY, HOUR, type JourneyHarness } from '../support/journey-harness.ts';
import { historyToJson } from './history-json.ts';

const HISTORIES_DIR = fileURLToPath(new URL('./histories/', import.meta.url));
const OVERWRITE = process.env.RECORD_OVERWRITE === '1';
const written: string[] = [];

type JsonEvent = { eventType: string } & Record<string, { timerId?: string } | string | undefined>;
type Recorded = { json: string; events: JsonEvent[] };

const typeOf = (event: JsonEvent) => event.eventType.replace(/^EVENT_TYPE_/, '');

async function historyOf(handle: WorkflowHandle): Promise<Recorded> {
  const json = historyToJson(await handle.fetchHistory());
  return { json, events: (JSON.parse(json) as { events: JsonEvent[] }).events };
}

/** Timers started and neither fired nor cancelled. */
function openTimers(events: JsonEvent[]): number {
  const open = new Set<string>();
  for (const event of events) {
    const started = event.timerStartedEventAttributes;
    const ended = event.timerFiredEventAttributes ?? event.timerCanceledEventAttributes;
    if (typeof started === 'object' && started.timerId) open.add(started.timerId);
    if (typeof ended === 'object' && ended.timerId) open.delete(ended.timerId);
  }
  return open.size;
}

type Point = 'timer' | 'holding' | 'closed';

/**
 * Whether the workflow rests at the point: on a timer, holding on a condition with no timer (paused),
 * or closed; with no activity or workflow task outstanding.
 */
async function restsAt(handle: WorkflowHandle, point: Point): Promise<Recorded | null> {
  const description = await handle.describe();
  const history = await historyOf(handle);
  const last = history.events.at(-1);
  const running = description.status.name === 'RUNNING';
  if (point === 'closed') return running ? null : history;
  const resting =
    running &&
    (description.raw.pendingActivities?.length ?? 0) === 0 &&
    !description.raw.pendingWorkflowTask &&
    last !== undefined &&
    ['WORKFLOW_TASK_COMPLETED', 'TIMER_STARTED'].includes(typeOf(last));
  const timers = openTimers(history.events);
  return resting && (point === 'timer' ? timers > 0 : timers === 0) ? history : null;
}

/** Waits (in real time) until the workflow rests at the point and its history has stopped growing. */
async function settled(handle: WorkflowHandle, point: Point, timeoutMs = 60_000): Promise<Recorded> {
  const deadline = Date.now() + timeoutMs;
  let previous = -1;
  for (;;) {
    const history = await restsAt(handle, point);
    if (history && history.events.length === previous) return history;
    previous = history ? history.events.length : -1;
    if (Date.now() > deadline) throw new Error(`${handle.workflowId} did not reach '${point}'`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function save(file: string, history: Recorded): void {
  mkdirSync(HISTORIES_DIR, { recursive: true });
  const path = `${HISTORIES_DIR}${file}`;
  if (existsSync(path) && !OVERWRITE) {
    console.info(`kept     ${file}`);
    return;
  }
  writeFileSync(path, `${history.json}\n`);
  written.push(path);
  console.info(`recorded ${file} (${history.events.length} events)`);
}

/** `<journey>.<first 8 of the definition checksum>.<point>.json` */
async function journeyFile(h: JourneyHarness, key: string, point: string): Promise<string> {
  const journey = await h.db.journey.findUniqueOrThrow({ where: { key } });
  const version = await h.db.journeyVersion.findUniqueOrThrow({
    where: { journeyKey_version: { journeyKey: key, version: journey.currentVersion ?? 0 } },
  });
  return `${key}.${version.checksum.slice(0, 8)}.${point}.json`;
}

async function record(h: JourneyHarness, handle: WorkflowHandle, key: string, point: string, at: Point) {
  save(await journeyFile(h, key, point), await settled(handle, at));
}

/** Ends a recorded workflow that would otherwise go on running while the next scenarios skip time. */
async function stop(handle: WorkflowHandle): Promise<void> {
  if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('recorded');
}

const consenting = (id: string, zone = 'Europe/Paris') =>
  customerUpserted(id, { name: 'Grace Hopper', timezone: zone, locale: 'en-GB', consent: { marketing: true } });
const treatment = (prefix: string) => {
  for (let i = 0; ; i++) if (assignGroup('win-back', `${prefix}-${i}`, 10) === 'treatment') return `${prefix}-${i}`;
};
const lapsed = (customer: string) => [
  consenting(customer, 'America/New_York'),
  orderPlaced(customer, `${customer}-o1`, {}, new Date(Date.now() - 61 * DAY)),
];
const inactive = (h: JourneyHarness, customer: string) =>
  h.emit({
    id: `inactive-${customer}`,
    type: 'customer.inactive',
    customer,
    properties: { journeyKey: 'win-back', daysSinceLastOrder: 61 },
  });
const riskRises = (h: JourneyHarness, customer: string) =>
  h.emit({ id: `band-${customer}`, type: 'churn_band.changed', customer, properties: { from: 'medium', to: 'high' } });
/** The event a CSAT answer to a check-in emits (ingestion/survey-answers.ts). */
const answered = (h: JourneyHarness, customer: string, orderId: string, score: number) =>
  h.emit({
    id: `survey.answered:${customer}-${orderId}`,
    type: 'survey.answered',
    customer,
    properties: {
      stepId: 'checkin-email',
      kind: 'csat',
      score,
      messageId: `message-${orderId}`,
      journeyKey: 'post-purchase-checkin',
      orderId,
    },
  });

afterAll(() => {
  // The files follow the repository's formatting, so that `npm run lint` stays green.
  if (written.length > 0) execFileSync('npx', ['biome', 'format', '--write', ...written], { stdio: 'inherit' });
});

describe('shipped journeys', () => {
  let h: JourneyHarness;
  beforeAll(async () => {
    h = await createJourneyHarness('record');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('post-purchase check-in: paused before its send, then resumed', async () => {
    await h.send(consenting('pc-paused'), orderPlaced('pc-paused', 'pc-paused-1'));
    const handle = h.workflow('post-purchase-checkin', 'pc-paused', 'order:pc-paused-1');
    await settled(handle, 'timer');
    await controlJourney(h.db, h.env.client, 'post-purchase-checkin', 'pause');
    await h.send(orderEvent('order.delivered', 'pc-paused', 'pc-paused-1'));
    // Two days to settle, then the daytime window: the send is reached, and held.
    await h.until(() => restsAt(handle, 'holding'), 14 * DAY, 6 * HOUR);
    await record(h, handle, 'post-purchase-checkin', 'paused-before-send', 'holding');
    await controlJourney(h.db, h.env.client, 'post-purchase-checkin', 'resume');
    await handle.result();
    await record(h, handle, 'post-purchase-checkin', 'paused-then-resumed', 'closed');
  });

  it('post-purchase check-in: waiting for the delivery', async () => {
    await h.send(consenting('pc-wait'), orderPlaced('pc-wait', 'pc-wait-1'));
    const handle = h.workflow('post-purchase-checkin', 'pc-wait', 'order:pc-wait-1');
    await record(h, handle, 'post-purchase-checkin', 'waiting-for-delivery', 'timer');
    await stop(handle);
  });

  it('service recovery: started by a poor survey answer, waiting for the ticket, then failed', async () => {
    await h.send(consenting('sr'), orderPlaced('sr', 'sr-1'));
    await h.send(orderEvent('order.delivered', 'sr', 'sr-1'));
    const checkin = h.workflow('post-purchase-checkin', 'sr', 'order:sr-1');
    await checkin.result();
    await record(h, checkin, 'post-purchase-checkin', 'completed', 'closed');
    const message = (await h.messages('checkin')).find((m) => m.toAddress === 'sr@example.com');
    await h.answerSurvey(message!.id, 1);
    const handle = h.workflow('service-recovery', 'sr', 'order:sr-1');
    await record(h, handle, 'service-recovery', 'survey-answered-waiting-for-ticket', 'timer');
    await handle.result();
    await record(h, handle, 'service-recovery', 'recovery-failed', 'closed');
  });

  it('review request: started by a good survey answer, waiting', async () => {
    await h.send(consenting('rr'), orderPlaced('rr', 'rr-1'));
    await answered(h, 'rr', 'rr-1', 5);
    const handle = h.workflow('review-request', 'rr', 'order:rr-1');
    await record(h, handle, 'review-request', 'survey-answered-waiting', 'timer');
    await stop(handle);
  });

  it('win-back after its first message, and a review request the frequency cap defers', async () => {
    const customer = treatment('wb-cap');
    await h.send(...lapsed(customer));
    await inactive(h, customer);
    const winback = h.workflow('win-back', customer, 'customer/1');
    await h.until(async () => (await h.messages('winback')).find((m) => m.toAddress === `${customer}@example.com`));
    await record(h, winback, 'win-back', 'sent-first-waiting-two-weeks', 'timer');
    // A second marketing email within 48 hours of the first: deferred by the cap.
    await answered(h, customer, `${customer}-o1`, 5);
    const review = h.workflow('review-request', customer, `order:${customer}-o1`);
    await h.until(
      () =>
        h.db.enrollmentStep.findFirst({
          where: { status: 'deferred', enrollment: { journeyKey: 'review-request', customer: { externalId: customer } } },
        }),
      3 * DAY,
    );
    await record(h, review, 'review-request', 'cap-deferred', 'timer');
    await stop(review);
    await stop(winback);
  });

  it('at-risk save: alerted, waiting for the owner, then checked in', async () => {
    await h.send(consenting('ar', 'Asia/Tokyo'));
    await riskRises(h, 'ar');
    const handle = h.workflow('at-risk-save', 'ar', 'customer/1');
    await record(h, handle, 'at-risk-save', 'alerted-waiting-for-contact', 'timer');
    await handle.result();
    await record(h, handle, 'at-risk-save', 'completed', 'closed');
  });

  it("post-purchase check-in: held by its customer's pause before its send, then resumed", async () => {
    await h.send(consenting('pc-held'), orderPlaced('pc-held', 'pc-held-1'));
    const handle = h.workflow('post-purchase-checkin', 'pc-held', 'order:pc-held-1');
    await settled(handle, 'timer');
    // As POST /v1/customers/:id/journeys/pause does it: the flag committed, then the running enrollments told.
    const customer = await h.db.customer.update({ where: { externalId: 'pc-held' }, data: { journeysPausedAt: await h.now() } });
    await signalCustomerJourneys(h.db, h.env.client, customer.id);
    await h.send(orderEvent('order.delivered', 'pc-held', 'pc-held-1'));
    await h.until(() => restsAt(handle, 'holding'), 14 * DAY, 6 * HOUR);
    await record(h, handle, 'post-purchase-checkin', 'customer-paused-before-send', 'holding');
    await h.db.customer.update({ where: { id: customer.id }, data: { journeysPausedAt: null } });
    await signalCustomerJourneys(h.db, h.env.client, customer.id);
    await handle.result();
    await record(h, handle, 'post-purchase-checkin', 'customer-paused-then-resumed', 'closed');
  });

  it('alert delivery: a pass that emails a detractor alert to its owner', async () => {
    const owner = await h.db.staffUser.create({ data: { email: 'owner@northwind.example', name: 'Owner', role: 'success_manager' } });
    await h.send(consenting('ad-unhappy'));
    const customer = await h.db.customer.update({ where: { externalId: 'ad-unhappy' }, data: { ownerId: owner.id } });
    await h.db.alert.create({
      data: {
        dedupeKey: 'record-alert-delivery',
        kind: 'detractor',
        customerId: customer.id,
        title: 'A customer rated their order poorly',
        createdAt: await h.now(),
      },
    });
    const handle = await h.env.client.workflow.start(alertDeliveryWorkflow, {
      taskQueue: h.taskQueue,
      workflowId: 'record-alert-delivery',
      args: [{}],
    });
    await handle.result();
    save('alert-delivery.completed.json', await settled(handle, 'closed'));
  });

  it("survey settle: a first answer's window, waiting and then settled", async () => {
    await h.send(consenting('settle'), orderPlaced('settle', 'o-settle'));
    await h.env.sleep(DAY);
    await h.send(orderEvent('order.delivered', 'settle', 'o-settle'));
    await h.workflow('post-purchase-checkin', 'settle', 'order:o-settle').result();
    const checkin = (await h.messages('checkin')).find((message) => message.toAddress === 'settle@example.com');
    if (!checkin) throw new Error('no check-in for the settle scenario');
    await storeSurveyAnswer(h.db, {
      messageId: checkin.id,
      score: 4,
      at: new Date((checkin.sentAt ?? checkin.createdAt).getTime() + 60_000),
    });
    const handle = await h.env.client.workflow.start(surveySettleWorkflow, {
      taskQueue: h.taskQueue,
      workflowId: `survey-settle/${checkin.id}`,
      args: [{ messageId: checkin.id, settleMs: 2 * 60_000 }],
    });
    save('survey-settle.waiting.json', await settled(handle, 'timer'));
    await handle.result();
    save('survey-settle.completed.json', await settled(handle, 'closed'));
  });

  it('churn scoring: a run over a few pages', async () => {
    const handle = await h.env.client.workflow.start(churnScoringWorkflow, {
      taskQueue: h.taskQueue,
      workflowId: 'record-churn-scoring',
      args: [{ pageSize: 2 }],
    });
    await handle.result();
    save('churn-scoring.completed.json', await settled(handle, 'closed'));
  });

  it('inactivity sweep: two inactivity journeys, a page each; in one run, and a run per page', async () => {
    await publishJourney(
      h.db,
      parseDefinitionText(`
key: overdue-nudge
name: Overdue nudge
trigger: { inactivity: { overdueFactor: 2, minOrders: 3 } }
entity: customer
steps:
  - { id: note, alert: { kind: overdue, title: Overdue against their own rhythm } }
`),
    );
    const handle = await h.env.client.workflow.start(inactivitySweepWorkflow, {
      taskQueue: h.taskQueue,
      workflowId: 'record-inactivity-sweep',
    });
    await handle.result();
    save('inactivity-sweep.completed.json', await settled(handle, 'closed'));

    // A page per run: the first run continues as new (behind its patch), the second sweeps the last page.
    const long = await h.env.client.workflow.start(inactivitySweepWorkflow, {
      taskQueue: h.taskQueue,
      workflowId: 'record-inactivity-sweep-long',
      args: [{ pagesPerExecution: 1 }],
    });
    await long.result();
    const last = h.env.client.workflow.getHandle(long.workflowId);
    const started = (await historyOf(last)).events[0]?.workflowExecutionStartedEventAttributes;
    const previous = typeof started === 'object' ? (started as { continuedExecutionRunId?: string }).continuedExecutionRunId : undefined;
    if (!previous) throw new Error('the sweep did not continue as new');
    save(
      'inactivity-sweep.continued-as-new.first-run.json',
      await settled(h.env.client.workflow.getHandle(long.workflowId, previous), 'closed'),
    );
    save('inactivity-sweep.continued-as-new.last-run.json', await settled(last, 'closed'));
  });
});

describe('shipped journeys after continue-as-new', () => {
  let h: JourneyHarness;
  beforeAll(async () => {
    // So low that every enrollment continues as new at its first wait.
    h = await createJourneyHarness('record-can', { historyLimit: 12 });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Records the run that continued as new and the next one, waiting on its carried timer. */
  async function continued(key: string, customer: string, entity: string) {
    const handle = h.workflow(key, customer, entity);
    const deadline = Date.now() + 60_000;
    let previous: string | undefined;
    while (!previous) {
      if (Date.now() > deadline) {
        const events = (await historyOf(handle)).events.map(typeOf);
        throw new Error(`${handle.workflowId} did not continue as new: ${events.join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
      // The latest run names the run it continues.
      const started = (await historyOf(handle)).events[0]?.workflowExecutionStartedEventAttributes;
      previous = typeof started === 'object' ? (started as { continuedExecutionRunId?: string }).continuedExecutionRunId : undefined;
    }
    const first = h.env.client.workflow.getHandle(handle.workflowId, previous);
    save(await journeyFile(h, key, 'continued-as-new.first-run'), await settled(first, 'closed'));
    save(await journeyFile(h, key, 'continued-as-new.next-run-waiting'), await settled(handle, 'timer'));
    await stop(handle);
  }

  it('post-purchase check-in', async () => {
    await h.send(consenting('can-pc'), orderPlaced('can-pc', 'can-pc-1'));
    await continued('post-purchase-checkin', 'can-pc', 'order:can-pc-1');
  });

  it('review request and service recovery', async () => {
    // Their emails speak of the order, so it exists (its own check-in starts too, and rests at its first wait).
    await h.send(consenting('can-rr'), consenting('can-sr'), orderPlaced('can-rr', 'can-rr-1'), orderPlaced('can-sr', 'can-sr-1'));
    await answered(h, 'can-rr', 'can-rr-1', 5);
    await continued('review-request', 'can-rr', 'order:can-rr-1');
    await answered(h, 'can-sr', 'can-sr-1', 1);
    await continued('service-recovery', 'can-sr', 'order:can-sr-1');
  });

  it('win-back and at-risk save', async () => {
    const customer = treatment('can-wb');
    await h.send(...lapsed(customer));
    await inactive(h, customer);
    await continued('win-back', customer, 'customer/1');
    await h.send(consenting('can-ar', 'Asia/Tokyo'));
    await riskRises(h, 'can-ar');
    await continued('at-risk-save', 'can-ar', 'customer/1');
  });
});
