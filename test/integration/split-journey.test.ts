// A/B splits end to end: real workflows on the time-skipping server, real PostgreSQL. Customers are
// split by their own stable variant, the stats compare the variants, a version with a split replaces
// one without while enrollments already running finish on theirs, and a draft's nested steps are
// checked like any other.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiKey } from '../../api/api-keys.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { assignVariant } from '../../core/journey/split.ts';
import { parseDefinitionText, publishJourney } from '../../journey-store/journey-versions.ts';
import { customerUpserted, orderPlaced } from '../support/events.ts';
import { createJourneyHarness, DAY, type JourneyHarness } from '../support/journey-harness.ts';

const API_KEY = 'ak_test_split_journeys_0123456789abcdef';

let h: JourneyHarness;
let app: ApiServer;
beforeAll(async () => {
  h = await createJourneyHarness('split');
  await h.db.journey.updateMany({ data: { status: 'archived' } });
  await registerApiKey(h.db, API_KEY, 'test');
  app = await buildApiServer({ db: h.db, route: null, logger: pino({ level: 'silent' }), publicUrl: 'http://localhost', temporal: null });
});
afterAll(async () => {
  await app?.close();
  await h?.close();
});

const get = (url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${API_KEY}` } });

/** A win-back email: variant a goes out at once and variant b a day later; a purchase within 30 days is the goal. */
const splitJourney = (key: string, before = '') =>
  parseDefinitionText(`key: ${key}
name: ${key}
trigger: { event: customer.active }
entity: customer
policies: { quietHours: false }
goal: { event: order.placed, within: P30D }
steps:${before}
  - id: subject
    split:
      variants:
        - { key: a, weight: 50, steps: [{ id: email-a, send: { template: winback } }] }
        - key: b
          weight: 50
          steps:
            - { id: wait-b, wait: { duration: P1D } }
            - { id: email-b, send: { template: winback } }
  - { id: after, set: { tag: tested } }
`);
const variants = [
  { id: 'a', weight: 50 },
  { id: 'b', weight: 50 },
];

const active = (customerId: string) =>
  h.send({ id: `${customerId}-active`, type: 'customer.active', customerId, occurredAt: new Date().toISOString(), properties: {} });
const rowId = async (customerId: string) => (await h.db.customer.findUniqueOrThrow({ where: { externalId: customerId } })).id;

describe('an A/B split in a running journey', () => {
  it('takes each customer into their own variant, and the stats compare the variants against the first', async () => {
    const definition = splitJourney('split-stats');
    await publishJourney(h.db, definition);
    // Customers until each variant has three, each variant known from the customer's row id.
    const byVariant: Record<string, string[]> = { a: [], b: [] };
    for (let i = 0; (byVariant.a?.length ?? 0) < 3 || (byVariant.b?.length ?? 0) < 3; i++) {
      const customerId = `split-stats-${i}`;
      await h.send(customerUpserted(customerId, { timezone: 'UTC', consent: { marketing: true } }));
      byVariant[assignVariant(definition.key, 'subject', await rowId(customerId), variants).id]?.push(customerId);
    }
    const customers = [...(byVariant.a ?? []), ...(byVariant.b ?? [])];
    for (const customerId of customers) await active(customerId);
    await h.env.sleep(2 * DAY);
    // One customer of each variant buys: the goal.
    const buyers = [byVariant.a?.[0], byVariant.b?.[0]] as string[];
    for (const customerId of buyers) await h.send(orderPlaced(customerId, `${customerId}-order`));
    await h.until(async () => {
      const reached = await h.db.enrollment.count({ where: { journeyKey: definition.key, status: 'goal_reached' } });
      return reached === 2;
    });

    for (const [key, ids] of Object.entries(byVariant)) {
      for (const customerId of ids) {
        const steps = await h.db.enrollmentStep.findMany({
          where: { enrollment: { journeyKey: definition.key, customer: { externalId: customerId } } },
          orderBy: { seq: 'asc' },
        });
        expect(steps.find((step) => step.kind === 'split')).toMatchObject({
          stepId: 'subject',
          status: 'assigned',
          detail: { variant: key },
        });
        expect(steps.filter((step) => step.status === 'sent').map((step) => step.stepId)).toEqual([`email-${key}`]);
        // The step after the split: the goal's window stays open once the steps are done.
        expect(steps.some((step) => step.stepId === 'after' && step.status === 'done')).toBe(true);
      }
    }

    const response = await get('/v1/journeys/split-stats/stats');
    expect(response.statusCode).toBe(200);
    const stats = response.json();
    const [a, b] = byVariant.a && byVariant.b ? [byVariant.a.length, byVariant.b.length] : [0, 0];
    expect(stats.splits).toHaveLength(1);
    const split = stats.splits[0];
    expect(split).toMatchObject({ stepId: 'subject', winner: null, method: 'newcombe-hybrid-score' });
    expect(split.variants.map((variant: { key: string }) => variant.key)).toEqual(['a', 'b']);
    expect(split.variants[0]).toMatchObject({ key: 'a', weight: 50, entered: a, messages: a, goalReached: 1, difference: null });
    expect(split.variants[1]).toMatchObject({ key: 'b', weight: 50, entered: b, messages: b, goalReached: 1 });
    expect(split.variants[0].rate).toBeCloseTo(1 / a);
    expect(split.variants[1].rate).toBeCloseTo(1 / b);
    for (const variant of split.variants) {
      expect(variant.interval.lower).toBeLessThanOrEqual(variant.rate);
      expect(variant.interval.upper).toBeGreaterThanOrEqual(variant.rate);
    }
    // Undecided on so few customers: the interval of the difference spans zero.
    expect(split.variants[1].difference.absolute).toBeCloseTo(1 / b - 1 / a);
    expect(split.variants[1].difference.interval.lower).toBeLessThan(0);
    expect(split.variants[1].difference.interval.upper).toBeGreaterThan(0);
    expect(split.variants[1].difference.significant).toBe(false);
    // The funnel lists the variants' steps too.
    const funnel = new Map(stats.steps.map((step: { stepId: string; entered: number; kind: string }) => [step.stepId, step]));
    expect(funnel.get('subject')).toMatchObject({ kind: 'split', entered: a + b });
    expect(funnel.get('email-a')).toMatchObject({ kind: 'send', entered: a, sent: a });
    expect(funnel.get('email-b')).toMatchObject({ kind: 'send', entered: b, sent: b });
    expect(funnel.get('after')).toMatchObject({ entered: a + b });
    // No new enrollments: the next test's customers meet one journey only.
    await h.db.journey.update({ where: { key: definition.key }, data: { status: 'archived' } });
  });

  it('a version with a split can replace one without: new enrollments take the split, running ones finish on their version', async () => {
    const v1 = parseDefinitionText(`key: split-replace
name: split-replace
trigger: { event: customer.active }
entity: customer
policies: { quietHours: false }
steps:
  - { id: settle, wait: { duration: P2D } }
  - { id: email, send: { template: winback } }
`);
    expect((await publishJourney(h.db, v1)).version).toBe(1);
    await h.send(customerUpserted('replace-before', { timezone: 'UTC', consent: { marketing: true } }));
    await active('replace-before');
    await h.until(async () =>
      h.db.enrollmentStep.findFirst({ where: { stepId: 'settle', status: 'waiting', enrollment: { journeyKey: 'split-replace' } } }),
    );

    const v2 = splitJourney('split-replace', '\n  - { id: settle, wait: { duration: P2D } }');
    expect((await publishJourney(h.db, v2)).version).toBe(2);
    await h.send(customerUpserted('replace-after', { timezone: 'UTC', consent: { marketing: true } }));
    await active('replace-after');

    for (const id of ['replace-before', 'replace-after']) await h.workflow('split-replace', id, 'customer').result();
    const logOf = async (customerId: string) => {
      const enrollment = await h.db.enrollment.findFirstOrThrow({
        where: { journeyKey: 'split-replace', customer: { externalId: customerId } },
        include: { steps: { orderBy: { seq: 'asc' } } },
      });
      return { version: enrollment.version, steps: enrollment.steps.map((step) => `${step.stepId}:${step.status}`) };
    };
    expect(await logOf('replace-before')).toEqual({
      version: 1,
      steps: ['(start):treatment', 'settle:waiting', 'settle:done', 'email:sent', '(end):completed'],
    });
    const after = await logOf('replace-after');
    const variant = assignVariant('split-replace', 'subject', await rowId('replace-after'), variants).id;
    expect(after.version).toBe(2);
    expect(after.steps).toContain('subject:assigned');
    expect(after.steps).toContain(`email-${variant}:sent`);
    expect(after.steps.indexOf('after:done')).toBeGreaterThan(after.steps.indexOf(`email-${variant}:sent`));
  });
});

describe("a draft's split", () => {
  it('is checked step by step inside its variants: a missing template is named by its path', async () => {
    const text = `key: split-draft
name: split-draft
trigger: { event: customer.active }
steps:
  - id: subject
    split:
      variants:
        - { key: a, weight: 1, steps: [{ id: email-a, send: { template: winback } }] }
        - { key: b, weight: 1, steps: [{ id: email-b, send: { template: no-such-template } }] }
`;
    const response = await app.inject({
      method: 'POST',
      url: '/v1/journeys/validate',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ definition: text }),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      ok: false,
      errors: [{ path: 'steps[0].split.variants[1].steps[0].send.template', message: "no template named 'no-such-template'", line: 9 }],
    });
  });
});
