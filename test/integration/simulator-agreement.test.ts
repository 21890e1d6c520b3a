// One interpreter, two drivers: for each scenario the simulator's timeline and the workflow's step
// log (time-skipping server, real activities, real database) must be the same, step for step and
// minute for minute.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allSteps } from '../../core/journey/definition.ts';
import { simulate } from '../../core/journey/simulator.ts';
import { assignVariant } from '../../core/journey/split.ts';
import { assignGroup } from '../../core/policy/holdout.ts';
import { parseDefinitionText, publishJourney } from '../../journey-store/journey-versions.ts';
import { customerUpserted, orderEvent, orderPlaced } from '../support/events.ts';
import { createJourneyHarness, DAY, HOUR, type JourneyHarness } from '../support/journey-harness.ts';

let h: JourneyHarness;
beforeAll(async () => {
  h = await createJourneyHarness('agreement');
  await h.db.journey.updateMany({ data: { status: 'archived' } });
});
afterAll(async () => {
  await h?.close();
});

type Scenario = {
  name: string;
  yaml: string;
  timezone: string | (() => Promise<string>);
  consent?: boolean;
  trigger: 'order' | 'active';
  events?: { after: number; type: string }[];
  /** Pick a customer id that the holdout puts in this group. */
  group?: 'control';
  /** Pick a customer whose row id takes this variant of this split step. */
  variant?: { step: string; key: string };
};

const journey = (key: string, body: string, trigger = 'order.placed', entity = 'order') =>
  `key: ${key}\nname: ${key}\ntrigger: { event: ${trigger} }\nentity: ${entity}\n${body}`;

/** A split whose variant a sends at once and variant b after a day; both go on to tag the customer. */
const splitSteps = (head: string) =>
  `${head}
steps:
  - id: subject
    split:
      variants:
        - { key: a, weight: 1, steps: [{ id: email-a, send: { template: checkin, survey: { kind: csat } } }] }
        - key: b
          weight: 1
          steps:
            - { id: wait-b, wait: { duration: P1D } }
            - { id: email-b, send: { template: checkin, survey: { kind: csat } } }
  - { id: after, set: { tag: tested } }`;

/** A zone where it is night now, so the send falls in quiet hours. */
async function zoneAtNight(): Promise<string> {
  const now = await h.now();
  for (let offset = -12; offset <= 14; offset++) {
    const zone = offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
    const hour = h.localHour(now, zone);
    if (hour >= 22 || hour < 6) return zone;
  }
  throw new Error('no zone at night');
}

const scenarios: Scenario[] = [
  {
    name: 'a wait, then a transactional send',
    yaml: journey(
      'agree-wait-send',
      'category: transactional\nsteps:\n  - { id: wait, wait: { duration: P1D } }\n  - { id: email, send: { template: checkin, survey: { kind: csat } } }',
    ),
    timezone: 'Pacific/Auckland',
    trigger: 'order',
  },
  {
    name: 'a weekday morning window in New York before a marketing send',
    yaml: journey(
      'agree-window',
      'steps:\n  - { id: morning, waitUntil: { from: "09:00", to: "10:00", days: [mon, tue, wed] } }\n  - { id: email, send: { template: winback } }',
    ),
    timezone: 'America/New_York',
    consent: true,
    trigger: 'order',
  },
  {
    name: 'a marketing send to a customer without consent',
    yaml: journey('agree-no-consent', 'steps:\n  - { id: email, send: { template: winback } }'),
    timezone: 'Europe/Berlin',
    consent: false,
    trigger: 'order',
  },
  {
    name: 'a wait for delivery that happens',
    yaml: journey(
      'agree-delivered',
      'category: transactional\npolicies: { quietHours: false }\nsteps:\n  - { id: delivered, waitForEvent: { event: order.delivered, timeout: P5D } }\n  - { id: email, send: { template: checkin, survey: { kind: csat } } }',
    ),
    timezone: 'UTC',
    trigger: 'order',
    events: [{ after: 2 * DAY, type: 'order.delivered' }],
  },
  {
    name: 'a wait for delivery that times out',
    yaml: journey(
      'agree-timeout',
      'category: transactional\npolicies: { quietHours: false }\nsteps:\n  - { id: delivered, waitForEvent: { event: order.delivered, timeout: P5D } }\n  - { id: email, send: { template: checkin, survey: { kind: csat } } }',
    ),
    timezone: 'UTC',
    trigger: 'order',
  },
  {
    name: 'the goal reached during a wait',
    yaml: journey(
      'agree-goal',
      'goal: { event: order.placed, within: P30D }\npolicies: { quietHours: false }\nsteps:\n  - { id: wait, wait: { duration: P10D } }\n  - { id: email, send: { template: winback } }',
      'customer.active',
      'customer',
    ),
    timezone: 'Asia/Kolkata',
    consent: true,
    trigger: 'active',
    events: [{ after: 3 * DAY, type: 'order.placed' }],
  },
  {
    name: 'an exit event during a wait',
    yaml: journey(
      'agree-exit',
      'category: transactional\nexitEvents: [order.refunded]\nsteps:\n  - { id: wait, wait: { duration: P4D } }\n  - { id: email, send: { template: checkin, survey: { kind: csat } } }',
    ),
    timezone: 'UTC',
    trigger: 'order',
    events: [{ after: DAY + 5 * HOUR, type: 'order.refunded' }],
  },
  {
    name: 'a branch on whether an event happened, then an alert',
    yaml: journey(
      'agree-branch',
      'category: transactional\nsteps:\n  - { id: ticket, waitForEvent: { event: support.ticket_closed, timeout: P2D } }\n  - id: closed\n    branch: { cases: [{ when: { event: { type: support.ticket_closed } }, goto: exit }], otherwise: next }\n  - { id: escalate, alert: { kind: recovery_failed, title: Still open } }\n  - { id: tag, set: { tag: needs-care } }',
    ),
    timezone: 'UTC',
    trigger: 'order',
  },
  {
    name: 'a control enrollment of the holdout',
    yaml: journey(
      'agree-control',
      'holdout: 50\nsteps:\n  - { id: wait, wait: { duration: P2D } }\n  - { id: email, send: { template: winback } }',
    ),
    timezone: 'UTC',
    consent: true,
    trigger: 'order',
    group: 'control',
  },
  {
    name: 'a long wait across a daylight-saving change, then a local window',
    yaml: journey(
      'agree-dst',
      'category: transactional\nsteps:\n  - { id: long, wait: { duration: P130D } }\n  - { id: ten, waitUntil: { from: "10:00", to: "10:30" } }\n  - { id: email, send: { template: checkin, survey: { kind: csat } } }',
    ),
    timezone: 'Europe/Paris',
    trigger: 'order',
  },
  {
    name: 'a send that quiet hours defer to the morning',
    yaml: journey('agree-quiet', 'category: transactional\nsteps:\n  - { id: email, send: { template: checkin, survey: { kind: csat } } }'),
    timezone: zoneAtNight,
    trigger: 'order',
  },
  ...(['a', 'b'] as const).map(
    (key): Scenario => ({
      name: `a split taking variant ${key}, then on`,
      yaml: journey(`agree-split-${key}`, splitSteps('policies: { quietHours: false }\ncategory: transactional')),
      timezone: 'Europe/Lisbon',
      trigger: 'order',
      variant: { step: 'subject', key },
    }),
  ),
  {
    name: 'a split in the holdout: nothing sent',
    yaml: journey('agree-split-control', splitSteps('holdout: 50\npolicies: { quietHours: false }\ncategory: transactional')),
    timezone: 'UTC',
    trigger: 'order',
    group: 'control',
    variant: { step: 'subject', key: 'b' },
  },
];

type Line = { stepId: string; kind: string; status: string; minute: number };

describe('simulator and workflow', () => {
  it.each(scenarios)('agree on $name', async (scenario) => {
    const definition = parseDefinitionText(scenario.yaml);
    await publishJourney(h.db, definition);
    const timezone = typeof scenario.timezone === 'string' ? scenario.timezone : await scenario.timezone();
    let customerId = `${definition.key}-customer`;
    if (scenario.group)
      for (let i = 0; assignGroup(definition.key, customerId, definition.holdout) !== scenario.group; i++)
        customerId = `${definition.key}-${i}`;
    await h.send(customerUpserted(customerId, { timezone, consent: { marketing: scenario.consent ?? false } }));
    const takes = async (variant: NonNullable<Scenario['variant']>) => {
      const split = allSteps(definition).find(({ step }) => step.id === variant.step)?.step;
      const rowId = (await h.db.customer.findUniqueOrThrow({ where: { externalId: customerId } })).id;
      const variants = split && 'split' in split ? split.split.variants.map((v) => ({ ...v, id: v.key })) : [];
      return assignVariant(definition.key, variant.step, rowId, variants).key === variant.key;
    };
    for (let i = 0; scenario.variant && !(await takes(scenario.variant)); ) {
      do customerId = `${definition.key}-v${i++}`;
      while (scenario.group && assignGroup(definition.key, customerId, definition.holdout) !== scenario.group);
      await h.send(customerUpserted(customerId, { timezone, consent: { marketing: scenario.consent ?? false } }));
    }
    const orderId = `${customerId}-order`;
    await h.send(
      scenario.trigger === 'order'
        ? orderPlaced(customerId, orderId)
        : { id: `${customerId}-active`, type: 'customer.active', customerId, occurredAt: new Date().toISOString(), properties: {} },
    );
    const entity = scenario.trigger === 'order' ? `order:${orderId}` : 'customer';
    const handle = h.workflow(definition.key, customerId, entity);
    let elapsed = 0;
    for (const event of scenario.events ?? []) {
      await h.env.sleep(event.after - elapsed);
      elapsed = event.after;
      await h.send(
        event.type === 'order.placed' ? orderPlaced(customerId, `${customerId}-next`) : orderEvent(event.type, customerId, orderId),
      );
    }
    const outcome = await handle.result();
    await h.db.journey.update({ where: { key: definition.key }, data: { status: 'archived' } });

    const rows = await h.db.enrollmentStep.findMany({ where: { enrollment: { workflowId: handle.workflowId } }, orderBy: { seq: 'asc' } });
    const start = rows[0]?.at.getTime() ?? 0;
    const workflowLog: Line[] = rows.map((r) => ({
      stepId: r.stepId,
      kind: r.kind,
      status: r.status,
      minute: Math.round((r.at.getTime() - start) / 60_000),
    }));

    const simulated = simulate({
      definition,
      // The workflow's assignment key: the customer's row id.
      assignmentKey: (await h.db.customer.findUniqueOrThrow({ where: { externalId: customerId } })).id,
      customer: { timezone, consent: { marketing: scenario.consent ?? false } },
      start,
      days: 200,
      group: assignGroup(definition.key, customerId, definition.holdout),
      events: (scenario.events ?? []).map((event) => ({ at: start + event.after, type: event.type, properties: { orderId } })),
    });
    const simulatorLog: Line[] = simulated.timeline.map((e) => ({
      stepId: e.stepId,
      kind: e.kind,
      status: e.status,
      minute: Math.round((e.at - start) / 60_000),
    }));

    expect(workflowLog.length).toBeGreaterThanOrEqual(3);
    expect(workflowLog).toEqual(simulatorLog);
    expect(simulated.outcome).toBe(outcome);
  });
});
