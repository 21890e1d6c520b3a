// A journey's page draws its definition as a flow: each step in a few words, branches labelled by
// their condition, where the path ends, and the goal and exit events that can end it at any time.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type DefinitionLike,
  describeFlow,
  END_NODE,
  EXIT_EVENTS_NODE,
  EXIT_NODE,
  GOAL_NODE,
  journeyFlow,
  layoutFlow,
  TRIGGER_NODE,
} from '../../web/src/components/journey-graph.ts';

const shipped = (name: string) => parse(readFileSync(new URL(`../../journeys/${name}.yaml`, import.meta.url), 'utf8')) as DefinitionLike;

const recovery: DefinitionLike = {
  trigger: { event: 'survey.answered', where: { kind: 'csat' } },
  goal: { event: 'order.placed', within: 'P30D' },
  exitEvents: ['order.refunded'],
  steps: [
    { id: 'ask', send: { template: 'checkin', survey: { kind: 'csat' }, maxDelay: 'P2D' } },
    { id: 'answer', waitForEvent: { event: 'survey.answered', timeout: 'P3D' } },
    {
      id: 'choose',
      branch: {
        cases: [
          { when: { survey: { step: 'ask', score: { lte: 2 } } }, goto: 'alert-owner' },
          { when: { churnBand: { in: ['high'] } }, goto: 'exit' },
        ],
        otherwise: 'next',
      },
    },
    { id: 'thanks', wait: { duration: 'P3D' } },
    { id: 'bye', exit: { reason: 'happy' } },
    { id: 'alert-owner', alert: { kind: 'detractor', title: 'Unhappy customer' } },
  ],
};

describe('the flow of a journey', () => {
  it('labels each step with what it does, after the trigger', () => {
    const flow = journeyFlow(recovery);
    expect(flow.nodes.map((node) => [node.kind, node.label])).toEqual([
      ['trigger', 'when survey.answered where kind = csat'],
      ['send', 'send checkin with a CSAT survey'],
      ['waitForEvent', 'wait for survey.answered (up to P3D)'],
      ['branch', 'branch on survey score, churn band'],
      ['wait', 'wait P3D'],
      ['exit', 'exit: happy'],
      ['alert', 'alert a success manager: detractor'],
      ['end', 'done'],
      ['exit', 'exit'],
      ['goal', 'goal: order.placed within P30D'],
      ['exitEvents', 'exit on order.refunded'],
    ]);
  });

  it('names the days of a local time window briefly', () => {
    const window = (days: string[]) =>
      journeyFlow({
        trigger: { churnBand: { entering: 'high' } },
        steps: [{ id: 'w', waitUntil: { from: '09:00', to: '11:00', days } }] as never,
      }).nodes[1]?.label;
    expect(window(['mon', 'tue', 'wed', 'thu', 'fri'])).toBe('wait until 09:00–11:00 on weekdays');
    expect(window(['sat', 'sun'])).toBe('wait until 09:00–11:00 at weekends');
    expect(window(['mon', 'tue', 'wed', 'fri'])).toBe('wait until 09:00–11:00 on mon–wed, fri');
    expect(window(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])).toBe('wait until 09:00–11:00');
  });

  it('goes from step to step, labels branch cases by their condition, and ends at exit steps', () => {
    const edges = journeyFlow(recovery).edges.map((edge) => [edge.from, edge.to, edge.label ?? '', edge.dashed ?? false]);
    expect(edges).toEqual([
      [TRIGGER_NODE, 'step:ask', '', false],
      ['step:ask', 'step:answer', '', false],
      ['step:answer', 'step:choose', '', false],
      ['step:choose', 'step:alert-owner', 'score ≤ 2', false],
      ['step:choose', EXIT_NODE, 'band high', false],
      ['step:choose', 'step:thanks', 'otherwise', false],
      ['step:thanks', 'step:bye', '', false],
      // The exit step has no way out; the last step goes to "done".
      ['step:alert-owner', END_NODE, '', false],
      [TRIGGER_NODE, GOAL_NODE, 'any time', true],
      [TRIGGER_NODE, EXIT_EVENTS_NODE, 'any time', true],
    ]);
  });

  it('says the same in words, for a screen reader', () => {
    expect(describeFlow(recovery)).toEqual([
      'Starts when survey.answered where kind = csat.',
      'ask: send checkin with a CSAT survey. Then step 2 (answer).',
      'answer: wait for survey.answered (up to P3D). Then step 3 (choose).',
      'choose: branch on survey score, churn band. If score ≤ 2: step 6 (alert-owner); If band high: exit; Otherwise: step 4 (thanks).',
      'thanks: wait P3D. Then step 5 (bye).',
      'bye: exit: happy. The enrollment ends here.',
      'alert-owner: alert a success manager: detractor. Then done.',
      'Goal: order.placed within P30D of entering ends the enrollment as a conversion.',
      'Exits at once on order.refunded.',
    ]);
  });

  it('is laid out top to bottom by dagre: every node placed inside the drawing, each step below the one before it', () => {
    const placed = layoutFlow(journeyFlow(recovery));
    expect(placed.width).toBeGreaterThan(0);
    for (const node of placed.nodes) {
      expect(node.x - node.width / 2).toBeGreaterThanOrEqual(0);
      expect(node.y + node.height / 2).toBeLessThanOrEqual(placed.height);
    }
    const y = (id: string) => placed.nodes.find((node) => node.id === id)?.y ?? Number.NaN;
    expect(y('step:ask')).toBeGreaterThan(y(TRIGGER_NODE));
    expect(y('step:answer')).toBeGreaterThan(y('step:ask'));
    expect(y('step:thanks')).toBeGreaterThan(y('step:choose'));
    for (const edge of placed.edges) {
      expect(edge.points.length).toBeGreaterThanOrEqual(2);
      if (edge.label) expect(edge.labelAt).toBeDefined();
    }
  });

  it('draws every shipped journey, a loop back to an earlier step included', () => {
    for (const name of ['post-purchase-checkin', 'review-request', 'service-recovery', 'win-back', 'at-risk-save']) {
      const placed = layoutFlow(journeyFlow(shipped(name)));
      expect(placed.nodes.length, name).toBeGreaterThan(2);
      expect(
        placed.nodes.every((node) => Number.isFinite(node.x) && Number.isFinite(node.y)),
        name,
      ).toBe(true);
    }
    const loop = layoutFlow(
      journeyFlow({
        trigger: { churnBand: { entering: 'high' } },
        steps: [
          { id: 'nudge', send: { template: 'checkin', maxDelay: 'P2D' } },
          { id: 'again', branch: { cases: [{ when: { tag: 'retry' }, goto: 'nudge' }], otherwise: 'next' } },
        ],
      }),
    );
    expect(loop.edges.find((edge) => edge.label === 'tagged retry')?.points.length).toBeGreaterThanOrEqual(2);
  });
});

describe('a journey with an A/B split', () => {
  const split: DefinitionLike = {
    trigger: { event: 'order.placed' },
    steps: [
      {
        id: 'subject-test',
        split: {
          variants: [
            { key: 'a', weight: 3, steps: [{ id: 'email-a', send: { template: 'winback', maxDelay: 'P2D' } }] },
            {
              key: 'b',
              weight: 1,
              steps: [
                { id: 'wait-b', wait: { duration: 'P1D' } },
                { id: 'email-b', send: { template: 'winback', maxDelay: 'P2D' } },
              ],
            },
          ],
        },
      },
      { id: 'after', set: { tag: 'tested' } },
    ],
  };

  it('draws a split node with an edge per variant labelled with its key and share, each variant going on to the step after the split', () => {
    const flow = journeyFlow(split);
    expect(flow.nodes.find((node) => node.stepId === 'subject-test')).toMatchObject({ kind: 'split', label: 'A/B split: a 75%, b 25%' });
    expect(flow.edges.filter((edge) => edge.from === 'step:subject-test')).toMatchObject([
      { to: 'step:email-a', label: 'a · 75%' },
      { to: 'step:wait-b', label: 'b · 25%' },
    ]);
    expect(flow.edges).toContainEqual({ from: 'step:email-a', to: 'step:after' });
    expect(flow.edges).toContainEqual({ from: 'step:wait-b', to: 'step:email-b' });
    expect(flow.edges).toContainEqual({ from: 'step:email-b', to: 'step:after' });
    expect(flow.edges).toContainEqual({ from: 'step:after', to: END_NODE });
    expect(layoutFlow(flow).nodes).toHaveLength(flow.nodes.length);
  });

  it('says the split in words: each variant, its share, and where it goes', () => {
    expect(describeFlow(split)).toContain(
      'subject-test: A/B split: a 75%, b 25%. Variant a (75% of customers): step 2 (email-a); Variant b (25% of customers): step 3 (wait-b).',
    );
    expect(describeFlow(split)).toContain('email-b: send winback. Then step 5 (after).');
  });
});
