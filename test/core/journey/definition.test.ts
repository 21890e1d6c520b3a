import { describe, expect, it } from 'vitest';
import { journeyJsonSchema, validateJourneyDefinition } from '../../../core/journey/definition.ts';

const valid = {
  key: 'win-back',
  name: 'Win-back',
  trigger: { inactivity: { noOrderFor: 'P60D' } },
  goal: { event: 'order.placed', within: 'P30D' },
  exitEvents: ['order.placed'],
  steps: [
    { id: 'first', send: { template: 'winback' } },
    { id: 'wait', wait: { duration: 'P14D' } },
  ],
};

const withStep = (step: unknown) => ({ ...valid, steps: [step] });

describe('journey definitions', () => {
  it('accept a complete win-back', () => {
    expect(validateJourneyDefinition(valid).ok).toBe(true);
  });

  const invalid: [string, unknown, string, RegExp][] = [
    [
      'a misspelt field inside a branch condition',
      withStep({ id: 'b', branch: { cases: [{ when: { churnBand: { inn: ['high'] } }, goto: 'next' }] } }),
      'steps[0].branch.cases[0].when.churnBand.inn',
      /unknown field 'inn'/,
    ],
    ['an unknown top-level field', { ...valid, holdotu: 10 }, 'holdotu', /unknown field/],
    ['a missing key', { ...valid, key: undefined }, 'key', /./],
    ['a key with capitals', { ...valid, key: 'WinBack' }, 'key', /lower-case/],
    ['no steps at all', { ...valid, steps: [] }, 'steps', /./],
    ['an unknown step kind', withStep({ id: 'x', sleep: { duration: 'P1D' } }), 'steps[0].sleep', /unknown field 'sleep'/],
    ['a duration that is not ISO-8601', withStep({ id: 'w', wait: { duration: '3 days' } }), 'steps[0].wait.duration', /ISO-8601/],
    ['a negative-looking duration', withStep({ id: 'w', wait: { duration: 'PT0S' } }), 'steps[0].wait.duration', /positive/],
    ['a local window with a bad time', withStep({ id: 'w', waitUntil: { from: '9am', to: '11:00' } }), 'steps[0].waitUntil.from', /HH:MM/],
    [
      'a weekday that does not exist',
      withStep({ id: 'w', waitUntil: { from: '09:00', to: '11:00', days: ['funday'] } }),
      'steps[0].waitUntil.days[0]',
      /mon/,
    ],
    [
      'an unknown event type to wait for',
      withStep({ id: 'w', waitForEvent: { event: 'order.teleported', timeout: 'P1D' } }),
      'steps[0].waitForEvent.event',
      /must be one of/,
    ],
    [
      'a wait for an event without timeout',
      withStep({ id: 'w', waitForEvent: { event: 'order.delivered' } }),
      'steps[0].waitForEvent.timeout',
      /./,
    ],
    ['a template name with a path', withStep({ id: 's', send: { template: '../etc/passwd' } }), 'steps[0].send.template', /template/],
    [
      'an unknown survey kind',
      withStep({ id: 's', send: { template: 'checkin', survey: { kind: 'stars' } } }),
      'steps[0].send.survey.kind',
      /./,
    ],
    [
      'a branch to a step that does not exist',
      { ...valid, steps: [{ id: 'b', branch: { cases: [{ when: { tag: 'vip' }, goto: 'nowhere' }] } }] },
      'steps[0].branch.cases[0].goto',
      /not a step/,
    ],
    [
      'a branch on a survey that was never sent',
      { ...valid, steps: [{ id: 'b', branch: { cases: [{ when: { survey: { step: 'first', score: { lte: 2 } } }, goto: 'next' }] } }] },
      'steps[0].branch.cases[0].when.survey.step',
      /not a send step with a survey/,
    ],
    ['two steps with the same id', { ...valid, steps: [valid.steps[0], valid.steps[0]] }, 'steps[1].id', /repeats/],
    ['a holdout over 50%', { ...valid, holdout: 80 }, 'holdout', /./],
    ['a priority over 100', { ...valid, priority: 101 }, 'priority', /./],
    ['a goal without a window', { ...valid, goal: { event: 'order.placed' } }, 'goal.within', /./],
    [
      'a churn-band trigger with an unknown band',
      { ...valid, trigger: { churnBand: { entering: 'critical' } } },
      'trigger.churnBand.entering',
      /low, medium or high/,
    ],
    ['an event trigger with an unknown event', { ...valid, trigger: { event: 'order.exploded' } }, 'trigger.event', /must be one of/],
    ['a cool-down re-entry without its cool-down', { ...valid, reentry: { policy: 'after_cooldown' } }, 'reentry.cooldown', /./],
    [
      'a per-order journey that exits on its own trigger',
      { ...valid, entity: 'order', trigger: { event: 'order.placed' } },
      'exitEvents',
      /trigger event/,
    ],
  ];

  it.each(invalid)('refuse %s, pointing at the path', (_name, raw, path, message) => {
    const result = validateJourneyDefinition(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const error = result.errors.find((e) => e.path === path);
    expect(error, JSON.stringify(result.errors)).toBeDefined();
    expect(error?.message).toMatch(message);
  });

  it('publish a JSON Schema generated from the same schema', () => {
    const schema = journeyJsonSchema();
    expect(schema.type).toBe('object');
    expect(JSON.stringify(schema)).toContain('waitForEvent');
    expect((schema.required as string[]).sort()).toEqual(['key', 'name', 'steps', 'trigger']);
  });
});
