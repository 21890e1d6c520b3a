import { describe, expect, it } from 'vitest';
import { decide, initialState } from '../../../core/journey/interpreter.ts';
import { definition } from '../../support/journeys.ts';

const checkin = definition({
  entity: 'order',
  category: 'transactional',
  steps: [
    { id: 'wait', wait: { duration: 'P3D' } },
    { id: 'email', send: { template: 'checkin' } },
  ],
  exitEvents: ['order.refunded'],
});

const start = Date.parse('2026-03-26T09:00:00Z');
const DAY = 86_400_000;
const event = (type: string, at: number, properties: Record<string, unknown> = {}) => ({
  id: `${type}-${at}`,
  type,
  occurredAt: at,
  properties,
});

describe('the journey interpreter', () => {
  it('waits, then sends, then completes', () => {
    const started = decide(checkin, initialState({ timezone: 'Europe/Paris', enteredAt: start }), { kind: 'started', at: start });
    expect(started.commands).toEqual([{ kind: 'sleep_until', stepId: 'wait', until: expect.any(Number) }]);
    const fired = decide(checkin, started.state, { kind: 'timer_fired', at: start + 3 * DAY });
    expect(fired.commands).toEqual([
      expect.objectContaining({ kind: 'send', stepId: 'email', template: 'checkin', category: 'transactional', notAfter: start + 5 * DAY }),
    ]);
    const sent = decide(checkin, fired.state, { kind: 'send_result', at: start + 3 * DAY, stepId: 'email', outcome: 'sent' });
    expect(sent.commands).toEqual([{ kind: 'complete', outcome: 'completed', reason: 'all steps done' }]);
    expect(sent.state.status).toBe('done');
  });

  it('counts a wait of days in the customer calendar days, across a DST change', () => {
    // Paris moves its clocks forward on 29 March 2026: three days after 10:00 local is still 10:00 local.
    const started = decide(checkin, initialState({ timezone: 'Europe/Paris', enteredAt: start }), { kind: 'started', at: start });
    const sleep = started.commands[0];
    expect(sleep?.kind === 'sleep_until' && new Date(sleep.until).toISOString()).toBe('2026-03-29T08:00:00.000Z');
  });

  it('ends at once on an exit event, even mid-wait', () => {
    const started = decide(checkin, initialState({ timezone: 'UTC', enteredAt: start }), { kind: 'started', at: start });
    const exited = decide(checkin, started.state, { kind: 'event', at: start + 1000, event: event('order.refunded', start) });
    expect(exited.commands).toEqual([{ kind: 'complete', outcome: 'exited', reason: 'exit event order.refunded' }]);
  });

  it('ignores an event that is neither an exit nor a goal', () => {
    const started = decide(checkin, initialState({ timezone: 'UTC', enteredAt: start }), { kind: 'started', at: start });
    const same = decide(checkin, started.state, { kind: 'event', at: start + 1000, event: event('order.delivered', start) });
    expect(same.commands).toEqual([]);
    expect(same.state.cursor).toBe(started.state.cursor);
  });

  it('re-issues a deferred send when its new time comes, with the original deadline', () => {
    const fired = decide(
      checkin,
      decide(checkin, initialState({ timezone: 'UTC', enteredAt: start }), { kind: 'started', at: start }).state,
      {
        kind: 'timer_fired',
        at: start + 3 * DAY,
      },
    );
    const deferred = decide(checkin, fired.state, {
      kind: 'send_result',
      at: start + 3 * DAY,
      stepId: 'email',
      outcome: 'deferred',
      until: start + 3 * DAY + 3600_000,
      reason: 'quiet_hours',
    });
    expect(deferred.commands).toEqual([{ kind: 'sleep_until', stepId: 'email', until: start + 3 * DAY + 3600_000 }]);
    expect(deferred.log[0]).toMatchObject({ status: 'deferred', detail: { reason: 'quiet_hours' } });
    const again = decide(checkin, deferred.state, { kind: 'timer_fired', at: start + 3 * DAY + 3600_000 });
    expect(again.commands[0]).toMatchObject({ kind: 'send', stepId: 'email', notAfter: start + 5 * DAY });
  });

  it('sends nothing to a control enrollment but walks the same path', () => {
    const started = decide(checkin, initialState({ timezone: 'UTC', group: 'control', enteredAt: start }), { kind: 'started', at: start });
    const fired = decide(checkin, started.state, { kind: 'timer_fired', at: start + 3 * DAY });
    expect(fired.commands).toEqual([{ kind: 'complete', outcome: 'completed', reason: 'all steps done' }]);
    expect(fired.log).toContainEqual(expect.objectContaining({ stepId: 'email', status: 'skipped', detail: { reason: 'holdout' } }));
  });

  it('ends with the goal when the goal event arrives in its window, and not after', () => {
    const winback = definition({
      trigger: { inactivity: { noOrderFor: 'P60D' } },
      goal: { event: 'order.placed', within: 'P30D' },
      steps: [{ id: 'wait', wait: { duration: 'P60D' } }],
    });
    const started = decide(winback, initialState({ timezone: 'UTC', enteredAt: start }), { kind: 'started', at: start });
    const goal = decide(winback, started.state, { kind: 'event', at: start + 10 * DAY, event: event('order.placed', start + 10 * DAY) });
    expect(goal.commands).toEqual([{ kind: 'complete', outcome: 'goal_reached', reason: 'goal order.placed' }]);
    const late = decide(winback, started.state, { kind: 'event', at: start + 31 * DAY, event: event('order.placed', start + 31 * DAY) });
    expect(late.commands).toEqual([]);
  });

  it('branches on a survey answer', () => {
    const survey = definition({
      steps: [
        { id: 'ask', send: { template: 'checkin', survey: { kind: 'csat' } } },
        { id: 'answer', waitForEvent: { event: 'survey.answered', timeout: 'P3D' } },
        { id: 'route', branch: { cases: [{ when: { survey: { step: 'ask', score: { lte: 2 } } }, goto: 'recover' }], otherwise: 'exit' } },
        { id: 'recover', alert: { kind: 'detractor', title: 'Unhappy customer' } },
      ],
    });
    let d = decide(survey, initialState({ timezone: 'UTC', enteredAt: start }), { kind: 'started', at: start });
    d = decide(survey, d.state, { kind: 'send_result', at: start, stepId: 'ask', outcome: 'sent' });
    expect(d.commands[0]).toMatchObject({ kind: 'sleep_until', stepId: 'answer' });
    const unhappy = decide(survey, d.state, {
      kind: 'event',
      at: start + 3600_000,
      event: event('survey.answered', start, { stepId: 'ask', score: 1 }),
    });
    expect(unhappy.commands).toEqual([{ kind: 'alert', stepId: 'recover', alertKind: 'detractor', title: 'Unhappy customer' }]);
    const happy = decide(survey, d.state, {
      kind: 'event',
      at: start + 3600_000,
      event: event('survey.answered', start, { stepId: 'ask', score: 5 }),
    });
    expect(happy.commands).toEqual([{ kind: 'complete', outcome: 'exited', reason: 'branch route' }]);
    const silent = decide(survey, d.state, { kind: 'timer_fired', at: start + 3 * DAY });
    expect(silent.commands[0]).toMatchObject({ kind: 'complete', outcome: 'exited' });
  });

  it('asks for fresh customer facts before a branch on the churn band', () => {
    const banded = definition({
      steps: [
        { id: 'route', branch: { cases: [{ when: { churnBand: { in: ['high'] } }, goto: 'alert' }], otherwise: 'exit' } },
        { id: 'alert', alert: { kind: 'at_risk', title: 'At risk' } },
      ],
    });
    const started = decide(banded, initialState({ timezone: 'UTC', enteredAt: start }), { kind: 'started', at: start });
    expect(started.commands).toEqual([{ kind: 'load_facts', stepId: 'route' }]);
    const loaded = decide(banded, started.state, {
      kind: 'facts_loaded',
      at: start,
      facts: { churnBand: 'high', attributes: {}, tags: [] },
    });
    expect(loaded.commands).toEqual([{ kind: 'alert', stepId: 'alert', alertKind: 'at_risk', title: 'At risk' }]);
  });

  it('stops a journey that loops forever', () => {
    const loop = definition({
      steps: [
        { id: 'a', branch: { cases: [{ when: { tag: 'never' }, goto: 'b' }], otherwise: 'b' } },
        { id: 'b', branch: { cases: [{ when: { tag: 'never' }, goto: 'a' }], otherwise: 'a' } },
      ],
    });
    let d = decide(loop, initialState({ timezone: 'UTC', enteredAt: start }), { kind: 'started', at: start });
    d = decide(loop, d.state, { kind: 'facts_loaded', at: start, facts: { churnBand: null, attributes: {}, tags: [] } });
    for (let i = 0; i < 1000 && d.commands[0]?.kind === 'load_facts'; i++) {
      d = decide(loop, d.state, { kind: 'facts_loaded', at: start, facts: { churnBand: null, attributes: {}, tags: [] } });
    }
    expect(d.commands[0]).toMatchObject({ kind: 'complete', outcome: 'exited', reason: expect.stringContaining('loops') });
  });
});

describe('a goal after the last step', () => {
  it('still counts while its window is open, and the journey completes when the window closes', () => {
    const short = definition({
      trigger: { event: 'customer.active' },
      goal: { event: 'order.placed', within: 'P30D' },
      steps: [{ id: 'wait', wait: { duration: 'P2D' } }],
    });
    const started = decide(short, initialState({ timezone: 'UTC', enteredAt: start }), { kind: 'started', at: start });
    const done = decide(short, started.state, { kind: 'timer_fired', at: start + 2 * DAY });
    expect(done.commands).toEqual([{ kind: 'sleep_until', stepId: '(goal)', until: start + 30 * DAY }]);
    const converted = decide(short, done.state, { kind: 'event', at: start + 20 * DAY, event: event('order.placed', start + 20 * DAY) });
    expect(converted.commands[0]).toMatchObject({ kind: 'complete', outcome: 'goal_reached' });
    const closed = decide(short, done.state, { kind: 'timer_fired', at: start + 30 * DAY });
    expect(closed.commands[0]).toMatchObject({ kind: 'complete', outcome: 'completed' });
  });
});
