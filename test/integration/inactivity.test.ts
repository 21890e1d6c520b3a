// Inactivity triggers: the daily sweep finds customers past a journey's threshold and starts the
// journey once per inactivity spell.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignGroup } from '../../core/policy/holdout.ts';
import { parseDefinitionText, publishJourney } from '../../journey-store/journey-versions.ts';
import { inactivitySweepWorkflow } from '../../workflows/inactivity-sweep.ts';
import { customerUpserted, orderPlaced } from '../support/events.ts';
import { createJourneyHarness, DAY, type JourneyHarness } from '../support/journey-harness.ts';

let h: JourneyHarness;
let sweeps = 0;
const sweep = () => h.env.client.workflow.execute(inactivitySweepWorkflow, { taskQueue: h.taskQueue, workflowId: `sweep-${++sweeps}` });
const treatment = (prefix: string) => {
  for (let i = 0; ; i++) if (assignGroup('win-back', `${prefix}-${i}`, 10) === 'treatment') return `${prefix}-${i}`;
};
const ago = (days: number) => new Date(Date.now() - days * DAY);
/** Enrollments are written by the workflow's first activity, a moment after the sweep started it. */
async function enrolled(journeyKey: string, customer: string, expected?: number): Promise<number> {
  const count = () => h.db.enrollment.count({ where: { journeyKey, customer: { externalId: customer } } });
  const deadline = Date.now() + 10_000;
  while (expected !== undefined && (await count()) !== expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return count();
}

beforeAll(async () => {
  h = await createJourneyHarness('inactivity');
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
});
afterAll(async () => {
  await h?.close();
});

describe('the inactivity sweep', () => {
  const lapsed = treatment('lapsed');
  const recent = treatment('recent');
  const regular = treatment('regular');

  it('starts the win-back for a customer with no order for 60 days, and not for a recent buyer', async () => {
    await h.send(customerUpserted(lapsed, { consent: { marketing: true } }), orderPlaced(lapsed, `${lapsed}-1`, {}, ago(61)));
    await h.send(customerUpserted(recent, { consent: { marketing: true } }), orderPlaced(recent, `${recent}-1`, {}, ago(10)));
    const result = await sweep();
    expect(result.emitted).toBeGreaterThanOrEqual(1);
    expect(await enrolled('win-back', lapsed, 1)).toBe(1);
    expect(await h.db.event.count({ where: { type: 'customer.inactive', customer: { externalId: recent } } })).toBe(0);
    expect(await enrolled('win-back', recent)).toBe(0);
  });

  it('finds a customer overdue against their own rhythm', async () => {
    await h.send(
      customerUpserted(regular, { consent: { marketing: true } }),
      orderPlaced(regular, `${regular}-1`, {}, ago(50)),
      orderPlaced(regular, `${regular}-2`, {}, ago(40)),
      orderPlaced(regular, `${regular}-3`, {}, ago(30)), // every 10 days; 30 days quiet is three times that
    );
    await sweep();
    expect(await enrolled('overdue-nudge', regular, 1)).toBe(1);
    // 30 days is not 60: no win-back event for this customer.
    expect(
      await h.db.event.count({
        where: { type: 'customer.inactive', properties: { path: ['journeyKey'], equals: 'win-back' }, customer: { externalId: regular } },
      }),
    ).toBe(0);
  });

  it('announces a spell once, however often it runs', async () => {
    const before = await h.db.event.count({ where: { type: 'customer.inactive' } });
    const again = await sweep();
    expect(again.emitted).toBe(0);
    expect(await h.db.event.count({ where: { type: 'customer.inactive' } })).toBe(before);
    expect(await enrolled('win-back', lapsed)).toBe(1);
  });
});
