// Versions, pause, resume, archive, the frequency cap across journeys, and long-running loops, on
// the time-skipping server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDefinitionText, publishJourney, publishShippedJourneys } from '../../journey-store/journey-versions.ts';
import { controlJourney } from '../../workflow-client/journey-control.ts';
import { customerUpserted, orderEvent, orderPlaced } from '../support/events.ts';
import { createJourneyHarness, DAY, HOUR, type JourneyHarness } from '../support/journey-harness.ts';

let h: JourneyHarness;
beforeAll(async () => {
  // A low history limit, so that a day of hourly loops continues as new several times.
  h = await createJourneyHarness('lifecycle', { historyLimit: 100 });
  // The shipped journeys would react to the same orders; these tests are about their own journeys.
  await h.db.journey.updateMany({ data: { status: 'archived' } });
});
afterAll(async () => {
  await h?.close();
});

const publish = (yaml: string) => publishJourney(h.db, parseDefinitionText(yaml));
const customer = (id: string) => customerUpserted(id, { timezone: 'UTC', consent: { marketing: true } });
/** Messages sent to a customer; every journey here reacts to orders, so each test archives its own when done. */
const sentTo = async (id: string) => (await h.messages()).filter((m) => m.toAddress === `${id}@example.com` && m.status === 'sent');
const archive = (key: string) => h.db.journey.update({ where: { key }, data: { status: 'archived' } });

describe('journey versions', () => {
  it('keeps running enrollments on their version while new ones start on the new one', async () => {
    const v1 = await publish(`
key: pinned
name: Pinned v1
trigger: { event: order.placed }
entity: order
category: transactional
policies: { quietHours: false }
steps:
  - id: wait
    wait: { duration: P2D }
  - id: email
    send: { template: checkin, survey: { kind: csat } }
`);
    await h.send(customer('pin-a'), orderPlaced('pin-a', 'pin-a-1'));
    await h.env.sleep(HOUR);
    const v2 = await publish(`
key: pinned
name: Pinned v2
trigger: { event: order.placed }
entity: order
category: transactional
policies: { quietHours: false }
steps:
  - id: wait
    wait: { duration: P1D }
  - id: email
    send: { template: at-risk-checkin }
`);
    expect([v1.version, v2.version]).toEqual([1, 2]);
    await h.send(customer('pin-b'), orderPlaced('pin-b', 'pin-b-1'));
    await h.workflow('pinned', 'pin-a', 'order:pin-a-1').result();
    await h.workflow('pinned', 'pin-b', 'order:pin-b-1').result();
    expect((await sentTo('pin-a')).map((m) => m.template)).toEqual(['checkin']);
    expect((await sentTo('pin-b')).map((m) => m.template)).toEqual(['at-risk-checkin']);
    const versions = await h.db.enrollment.findMany({
      where: { journeyKey: 'pinned' },
      orderBy: { enteredAt: 'asc' },
      select: { version: true },
    });
    expect(versions.map((e) => e.version)).toEqual([1, 2]);
    const stored = await h.db.journeyVersion.findUniqueOrThrow({ where: { journeyKey_version: { journeyKey: 'pinned', version: 1 } } });
    expect(JSON.stringify(stored.definition)).toContain('P2D'); // v1 unchanged by publishing v2
    await archive('pinned');
  });
});

describe('shipped journeys', () => {
  it('are not overwritten on restart once someone has published their own version', async () => {
    const mine = parseDefinitionText((await import('node:fs')).readFileSync('journeys/win-back.yaml', 'utf8').replace('P60D', 'P45D'));
    const published = await publishJourney(h.db, mine, 'marketer@example.com');
    await publishShippedJourneys(h.db); // what every start does
    const journey = await h.db.journey.findUniqueOrThrow({ where: { key: 'win-back' } });
    expect(journey.currentVersion).toBe(published.version);
  });
});

describe('pausing, resuming and archiving', () => {
  const pausable = `
key: pausable
name: Pausable
trigger: { event: order.placed }
entity: order
category: transactional
policies: { quietHours: false }
steps:
  - id: wait
    wait: { duration: P1D }
  - id: email
    send: { template: checkin, survey: { kind: csat } }
`;

  it('holds in-flight enrollments before their send, starts no new ones, and sends on resume', async () => {
    await publish(pausable);
    await h.send(customer('pause-a'), orderPlaced('pause-a', 'pause-a-1'));
    await h.env.sleep(HOUR);
    await controlJourney(h.db, h.env.client, 'pausable', 'pause');
    const pausedAt = (await h.now()).getTime();
    await h.env.sleep(3 * DAY);
    expect(await sentTo('pause-a')).toEqual([]);
    await h.send(customer('pause-b'), orderPlaced('pause-b', 'pause-b-1'));
    expect(await h.db.enrollment.count({ where: { journeyKey: 'pausable', customer: { externalId: 'pause-b' } } })).toBe(0);

    await controlJourney(h.db, h.env.client, 'pausable', 'resume');
    expect(await h.workflow('pausable', 'pause-a', 'order:pause-a-1').result()).toBe('completed');
    const [message] = await sentTo('pause-a');
    expect(message?.sentAt?.getTime()).toBeGreaterThanOrEqual(pausedAt + 3 * DAY); // after the pause, not on day one
    await archive('pausable');
  });

  it('ends in-flight enrollments when the journey is archived', async () => {
    await publish(pausable.replace('key: pausable', 'key: archivable'));
    await h.send(customer('archive-a'), orderPlaced('archive-a', 'archive-a-1'));
    await h.env.sleep(HOUR);
    await controlJourney(h.db, h.env.client, 'archivable', 'archive');
    expect(await h.workflow('archivable', 'archive-a', 'order:archive-a-1').result()).toBe('exited');
    const enrollment = await h.db.enrollment.findFirstOrThrow({ where: { journeyKey: 'archivable' } });
    expect(enrollment).toMatchObject({ status: 'exited', outcome: 'journey archived' });
    expect(await sentTo('archive-a')).toEqual([]);
  });
});

describe('the frequency cap across journeys', () => {
  it('lets the first marketing email through, defers a second journey within its window and skips one past it, saying why', async () => {
    for (const [key, priority, delay, maxDelay] of [
      ['cap-high', 80, 'PT1M', 'P1D'],
      ['cap-low-patient', 20, 'PT2M', 'P3D'],
      ['cap-low-hasty', 10, 'PT3M', 'PT12H'],
    ] as const) {
      await publish(`
key: ${key}
name: ${key}
trigger: { event: customer.active }
entity: customer
priority: ${priority}
policies: { quietHours: false }
steps:
  - id: pause
    wait: { duration: ${delay} }
  - id: email
    send: { template: winback, maxDelay: ${maxDelay} }
`);
    }
    await h.send(customer('capped'), {
      id: 'active-capped',
      type: 'customer.active',
      customerId: 'capped',
      occurredAt: new Date().toISOString(),
      properties: {},
    });
    for (const key of ['cap-high', 'cap-low-patient', 'cap-low-hasty']) await h.workflow(key, 'capped', 'customer').result();

    const messages = (await h.messages('winback')).filter((m) => m.toAddress === 'capped@example.com');
    const byJourney = new Map<string, (typeof messages)[number]>();
    for (const message of messages) {
      const enrollment = await h.db.enrollment.findUniqueOrThrow({ where: { id: message.enrollmentId ?? '' } });
      byJourney.set(enrollment.journeyKey, message);
    }
    expect(byJourney.get('cap-high')?.status).toBe('sent');
    expect(byJourney.get('cap-low-hasty')).toMatchObject({ status: 'skipped', reason: 'frequency_cap' });
    const patient = byJourney.get('cap-low-patient');
    expect(patient?.status).toBe('sent');
    expect(patient!.sentAt!.getTime() - byJourney.get('cap-high')!.sentAt!.getTime()).toBeGreaterThanOrEqual(48 * HOUR);
    const deferrals = await h.db.enrollmentStep.findMany({ where: { status: 'deferred', enrollment: { journeyKey: 'cap-low-patient' } } });
    // Each waited out the decision window first (another journey was running for the customer), then met the cap.
    expect(deferrals.map((d) => (d.detail as { reason: string }).reason)).toEqual(['decision_window', 'frequency_cap']);
    for (const key of ['cap-high', 'cap-low-patient', 'cap-low-hasty']) await archive(key);
  });
});

describe('long-running journeys', () => {
  it('continue as new before their history grows large, and carry on where they were', async () => {
    await publish(`
key: looping
name: Looping
trigger: { event: order.placed }
entity: order
category: transactional
exitEvents: [order.refunded]
steps:
  - id: tick
    wait: { duration: PT1H }
  - id: again
    branch:
      cases:
        - when: { event: { type: order.delivered } }
          goto: exit
      otherwise: tick
`);
    await h.send(customer('loop'), orderPlaced('loop', 'loop-1'));
    const handle = h.workflow('looping', 'loop', 'order:loop-1');
    const firstRun = (await handle.describe()).runId;
    await h.env.sleep(30 * HOUR);
    await h.send(orderEvent('order.refunded', 'loop', 'loop-1'));
    expect(await handle.result()).toBe('exited');
    expect((await handle.describe()).runId).not.toBe(firstRun);
    const steps = await h.db.enrollmentStep.findMany({ where: { enrollment: { journeyKey: 'looping' } }, orderBy: { seq: 'asc' } });
    expect(steps.map((s) => s.seq)).toEqual(steps.map((_, i) => i)); // one unbroken log across runs
    expect(steps.filter((s) => s.stepId === 'tick' && s.status === 'done').length).toBeGreaterThanOrEqual(29);
  });
});
